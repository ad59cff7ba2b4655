// One stage of the platform, "prod" or "dev": a separate world for function data. Each stage has
// its own state (versions, serving versions, logs), invoker and sandboxes, broker services
// (secrets, KV, objects, call history, policies), API keys, protection settings, JWT verifiers,
// signed artifacts, router and edge listener.
//
// Why a world apart and not a stage column: a developer may deploy to dev without MFA and without
// an operator (core/people/roles.ts). If dev code could reach prod's stores, a dev deploy granted
// `secrets: [PSP_API_KEY]` would read production's key, and the separation of duties the role
// matrix draws would be undone by one manifest line. Here dev code has no path to prod data by
// construction: its broker holds only dev's stores, and ctx.invoke runs the callee on the
// caller's own stage (the broker's `run` is this stage's invoker).
//
// What the stages share belongs to platform.ts: people, the audit log, security events, metrics,
// SIEM, tracing, the control API, the master key ring and the content-addressed bundle store.
import type { Server } from "node:http";
import type { DatabaseSync } from "node:sqlite";
import type { Logger } from "pino";
import type { MasterKeyRing } from "../broker/master-key-ring.ts";
import { type BrokerServices, openBrokerServices } from "../broker/services.ts";
import { BulwarkError } from "../core/errors.ts";
import type { FunctionSpec } from "../core/manifest/types.ts";
import { JwtVerifiers } from "../edge/auth/jwt-verifiers.ts";
import type { TrustedProxies } from "../edge/client-ip.ts";
import { Router } from "../edge/router.ts";
import { createEdgeServer } from "../edge/server.ts";
import type { EdgeObserver } from "../edge/observe.ts";
import type { EdgeShield } from "../edge/shield.ts";
import type { TlsMaterial } from "../edge/tls.ts";
import { Invoker, type InvokerLogEntry } from "../invoker/invoker.ts";
import type { AuditLog } from "../security/audit/index.ts";
import type { SigningKey } from "../security/key-file.ts";
import type { SecurityEventRecorder } from "../security/recorder.ts";
import type { PlatformMetrics } from "../security/telemetry/metrics.ts";
import type { Tracing } from "../security/telemetry/tracing.ts";
import type { ApiKeyStore } from "../store/api-keys.ts";
import type { BundleStore } from "../store/bundles.ts";
import type { ProtectionSettings, ProtectionSettingsStore } from "../store/protection-settings.ts";
import { SqliteApiKeyStore } from "../store/sqlite/api-keys.ts";
import { SqliteArtifactStore } from "../store/sqlite/artifacts.ts";
import { SqliteStateStore } from "../store/sqlite/state.ts";
import type { DeployOutcome, FunctionVersion, LogEntry, StateStore } from "../store/state.ts";
import { ApiKeyAdmin } from "./api-keys.ts";
import { ArtifactService, type Admission, type Deployer } from "./artifacts/service.ts";
import type { Stage } from "./auth/principal.ts";
import { deployApp, type DeployRequest } from "./deploy.ts";
import { LogWriter } from "./log-writer.ts";
import { closeServer, listen, urlOf } from "./servers.ts";
import type { LimitOverrides } from "./limit-overrides.ts";
import type { Quarantine } from "./quarantine.ts";
import { takeOverrideRate } from "./override-rate.ts";
import { openShield, protectionSettings } from "./shield-service.ts";
import { stageRecords, type StageRecords } from "./stage-records.ts";
import { refusePrivateEgressInDev } from "./dev-egress.ts";

/** The platform settings every stage runs with (a PlatformConfig fits). */
export interface StageSettings {
  nodePath: string;
  insecureNoSandbox: boolean;
  sparesPerProfile: number;
  idleMs: number;
  bodyLimitBytes: number;
  bodyTimeoutMs?: number;
  tenantPartitionsMax?: number;
}

/** What a stage is given: its own database and directory, and the platform's shared parts. */
export interface StageParts {
  name: Stage;
  /** The stage's files: the data dir itself for prod (the layout data dirs always had), DATA/stages/dev for dev. */
  dataDir: string;
  db: DatabaseSync;
  keys: MasterKeyRing;
  bundles: BundleStore;
  /** Signs deploy artifacts; one key for the platform, so `bulwark sbom` checks every stage alike. */
  artifactKey: SigningKey;
  audit: Pick<AuditLog, "append" | "appendBatch">;
  events: SecurityEventRecorder;
  metrics: PlatformMetrics;
  tracing: Tracing;
  /** The runtime and the parent of every sandbox's work dir (shared: work dirs have random names). */
  sandboxDirs: { runtimeDir: string; workRoot: string };
  /** The secret values any stage's functions read: redacted from this stage's function logs. */
  secretValues(): Iterable<string>;
  /** Quarantined functions: their invocations are refused before any code runs. */
  quarantine: Pick<Quarantine, "gate">;
  /** Operators' tightened limits: a rate the edge checks, a concurrency the invoker's pools take. */
  limits: Pick<LimitOverrides, "rate" | "concurrency">;
  log: Logger;
}

export class PlatformStage {
  readonly name: Stage;
  /** The capability broker and what stands behind it: this stage's secrets, KV, objects, policies. */
  readonly broker: BrokerServices;
  /** API keys for this stage's `auth: apiKey` routes. */
  readonly keys: ApiKeyAdmin;
  /** IP lists, rate limits, WAF and input rules this stage's edge reads. */
  readonly shield: EdgeShield;
  /** Signed deploy artifacts of this stage's versions, and the check before every bundle load. */
  readonly artifacts: ArtifactService;
  readonly #state: StateStore;
  readonly #bundles: BundleStore;
  readonly #invoker: Invoker;
  readonly #logs: LogWriter;
  readonly #apiKeys: ApiKeyStore;
  readonly #protection: ProtectionSettingsStore;
  readonly #records: StageRecords;
  readonly #jwt: JwtVerifiers;
  readonly #observe: EdgeObserver;
  #router = new Router([]);
  /** The serving version of each function, by name, as of the last deploy or rollback. */
  #serving = new Map<string, FunctionVersion>();
  /** The app's name, read once per deploy: the edge needs it on every request. */
  #app = "";
  #edge: Server | undefined;
  #scheme: "http" | "https" = "http";

  private constructor(name: Stage, parts: {
    state: StateStore;
    bundles: BundleStore;
    invoker: Invoker;
    logs: LogWriter;
    broker: BrokerServices;
    apiKeys: ApiKeyStore;
    shield: { shield: EdgeShield; settings: ProtectionSettingsStore };
    artifacts: ArtifactService;
    records: StageRecords;
    observe: EdgeObserver;
  }) {
    this.name = name;
    this.#state = parts.state;
    this.#bundles = parts.bundles;
    this.#invoker = parts.invoker;
    this.#logs = parts.logs;
    this.broker = parts.broker;
    this.#apiKeys = parts.apiKeys;
    this.shield = parts.shield.shield;
    this.#protection = parts.shield.settings;
    this.artifacts = parts.artifacts;
    this.#records = parts.records;
    this.#observe = parts.observe;
    this.keys = new ApiKeyAdmin(parts.apiKeys, () => this.#state.activeVersions());
    this.#jwt = new JwtVerifiers({ secret: (secret) => Buffer.from(this.broker.secrets.read(secret).value, "utf8") });
    this.#refresh();
  }

  static open(parts: StageParts, settings: StageSettings): PlatformStage {
    const { name, db, log, metrics, tracing } = parts;
    const records = stageRecords(name, parts.events, parts.audit);
    const state = new SqliteStateStore(db);
    const artifacts = new ArtifactService({ store: new SqliteArtifactStore(db), state, key: parts.artifactKey, audit: records.audit, events: records.events });
    const broker = openBrokerServices({
      dataDir: parts.dataDir,
      db,
      keys: parts.keys,
      events: records.events,
      audit: records.audit,
      log,
      app: () => encryptionContextOf(name, state.appName()),
      ...(settings.tenantPartitionsMax !== undefined && { limits: { tenantPartitionsMax: settings.tenantPartitionsMax } }),
      run: async (fn, payload, call) => {
        takeOverrideRate(shield.shield, records.events, fn, { via: "ctx.invoke", requestId: call.requestId, caller: call.caller.function });
        return (await invoker.invoke(fn, payload, call)).value;
      },
    });
    const logs = new LogWriter(state, { secretValues: parts.secretValues });
    const invoker = new Invoker({
      nodePath: settings.nodePath,
      ...parts.sandboxDirs,
      bundlePath: (hash) => parts.bundles.path(hash),
      verifyBundle: (version, file) => artifacts.verifier.verify(version, file),
      insecureNoSandbox: settings.insecureNoSandbox,
      sparesPerProfile: settings.sparesPerProfile,
      idleMs: settings.idleMs,
      onLog: (entry: InvokerLogEntry) => logs.add(entry),
      telemetry: { ...(tracing.enabled && { tracer: tracing.tracer }), invoked: (s) => metrics.invoked({ ...s, stage: name }), brokerCalled: (c) => metrics.brokerCalled({ ...c, stage: name }) },
      onFailure: (failure) => {
        const kind = SANDBOX_FAILURES[failure.code];
        if (kind) {
          records.events.record({ type: kind.type, severity: kind.severity, function: failure.function, requestId: failure.requestId, reason: kind.reason });
        }
      },
      onViolation: ({ detail, requestIds, ...owner }) => {
        records.events.record({
          type: "sandbox.protocol_violation",
          severity: "high",
          function: owner.function,
          ...(requestIds.length > 0 && { requestId: requestIds[0] }),
          reason: `the sandbox was ended: ${detail}`,
          details: { version: owner.version, requestIds, ...(owner.tenant !== undefined && { tenant: owner.tenant }) },
        });
      },
      onCallsRefused: ({ op, requestId, limit, suppressed, ...owner }) => {
        records.events.record({
          type: "sandbox.calls_refused",
          severity: "medium",
          function: owner.function,
          ...(requestId !== null && { requestId }),
          reason: `the sandbox had ${limit} broker calls in flight; further calls (${op} first) were refused`,
          details: { version: owner.version, op, limit, ...(suppressed > 0 && { suppressed }), ...(owner.tenant !== undefined && { tenant: owner.tenant }) },
        });
      },
      onCall: (call) => broker.broker.handle(call),
      admit: parts.quarantine.gate(name),
      concurrencyCap: (fn) => parts.limits.concurrency(name, fn),
    });
    const shield = openShield(db, parts.events, { ...settings, overrideRate: (fn) => parts.limits.rate(name, fn) });
    const observe: EdgeObserver = { tracing, responded: (r) => metrics.edgeResponded({ ...r, stage: name }) };
    return new PlatformStage(name, { state, bundles: parts.bundles, invoker, logs, broker, apiKeys: new SqliteApiKeyStore(db), shield, artifacts, records, observe });
  }

  /** This stage's public edge; set once listen() has run. */
  get url(): string {
    return urlOf(this.#edge!, this.#scheme);
  }

  get appName(): string | undefined {
    return this.#app === "" ? undefined : this.#app;
  }

  deploy(request: DeployRequest, by: Deployer): { app: string; stage: Stage; functions: DeployOutcome[] } {
    let settings: ProtectionSettings = {};
    let admission: Admission | undefined;
    const outcomes = deployApp(
      this.#state,
      this.#bundles,
      request,
      by.actor.id,
      (manifest) => {
        if (this.name === "dev") refusePrivateEgressInDev(manifest);
        this.shield.check(manifest);
        settings = protectionSettings(manifest);
        admission = this.artifacts.admit(manifest, request);
      },
      (created, hashes) => this.artifacts.record(admission!, created, hashes),
    );
    this.#protection.save(settings);
    this.artifacts.auditSuppressions(admission!, by);
    this.#refresh();
    return { app: this.#app, stage: this.name, functions: outcomes };
  }

  listFunctions() {
    const live = new Map(this.#invoker.stats().functions.map((f) => [f.name, f]));
    return [...this.#serving.values()].map((v) => ({
      name: v.function,
      stage: this.name,
      version: v.version,
      deployedAt: v.createdAt,
      deployedBy: v.deployedBy,
      routes: v.spec.triggers.map((t) => ({ method: t.method, path: t.path, auth: t.auth ?? null })),
      memoryBytes: v.spec.memoryBytes,
      timeoutMs: v.spec.timeoutMs,
      sandboxes: { live: live.get(v.function)?.live ?? 0, idle: live.get(v.function)?.idle ?? 0 },
    }));
  }

  /** What the serving version of `fn` was deployed with; BWK_FUNCTION_NOT_FOUND when none serves. */
  servingSpec(fn: string): FunctionSpec {
    const serving = this.#serving.get(fn);
    if (serving === undefined) {
      throw new BulwarkError("BWK_FUNCTION_NOT_FOUND", `no function named "${fn}" is deployed in the ${this.name} stage`);
    }
    return serving.spec;
  }

  /** Ends the function's sandboxes here: idle ones now, busy ones when their invocation ends (a quarantine). */
  retireSandboxes(fn: string): Promise<void> {
    return this.#invoker.retire(fn);
  }

  /** Live and idle sandboxes per serving function, for the metrics gauge. */
  sandboxStats() {
    return this.#invoker.stats().functions.map((f) => ({ ...f, stage: this.name }));
  }

  versions(fn: string) {
    const versions = this.#state.versions(fn);
    if (versions.length === 0) throw new BulwarkError("BWK_FUNCTION_NOT_FOUND", `no function named "${fn}" in the ${this.name} stage`);
    const active = this.#serving.get(fn)?.version;
    return versions.map((v) => ({ version: v.version, bundleHash: v.bundleHash, deployedAt: v.createdAt, deployedBy: v.deployedBy, active: v.version === active }));
  }

  /**
   * Who deployed the serving version of `fn` (an audit actor id), the owner logs.read.own asks
   * about. The serving version and not any version: whoever last changed what runs answers for it
   * now, and someone who deployed it once does not keep reading its logs after another took over.
   */
  deployerOf(fn: string): string | null {
    return this.#serving.get(fn)?.deployedBy ?? null;
  }

  rollback(fn: string, to: unknown): { function: string; stage: Stage; version: number } {
    if (typeof to !== "number" || !Number.isInteger(to) || to < 1) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", "the version to roll back to must be a positive integer");
    }
    this.servingSpec(fn); // throws when none serves: there is nothing to roll back from
    const version = this.#state.activate(fn, to);
    this.#refresh();
    return { function: fn, stage: this.name, version: version.version };
  }

  async invokeDirect(fn: string, event: unknown) {
    const requestId = crypto.randomUUID();
    takeOverrideRate(this.shield, this.#records.events, fn, { via: "invoke", requestId });
    const result = await this.#invoker.invoke(fn, event ?? {}, { requestId });
    return { requestId, version: result.version, cold: result.cold, durationMs: result.durationMs, result: result.value };
  }

  logs(fn: string, after: number, limit: number): { entries: LogEntry[]; next: number } {
    this.#logs.flush();
    const safeAfter = Number.isInteger(after) && after >= 0 ? after : 0;
    const safeLimit = Number.isInteger(limit) && limit > 0 ? Math.min(limit, 5_000) : 500;
    const entries = this.#state.readLogs(fn, safeAfter, safeLimit);
    return { entries, next: entries.at(-1)?.seq ?? safeAfter };
  }

  /** Starts this stage's public edge; every stage has the same TLS settings and trusted proxies. */
  async listen(host: string, port: number, options: { tls?: TlsMaterial; trustedProxies?: TrustedProxies; bodyLimitBytes: number }, log: Logger): Promise<void> {
    this.#scheme = options.tls ? "https" : "http";
    this.#edge = createEdgeServer(
      {
        app: () => this.#app,
        stage: this.name,
        router: () => this.#router,
        invoker: this.#invoker,
        bodyLimitBytes: options.bodyLimitBytes,
        auth: { findKey: (hash) => this.#apiKeys.findByHash(hash), jwt: (fn) => this.#jwt.forFunction(fn) },
        events: this.#records.events,
        observe: this.#observe,
        shield: this.shield,
      },
      log,
      { tls: options.tls, trustedProxies: options.trustedProxies },
    );
    await listen(this.#edge, port, host, this.name === "prod" ? "--port" : "--dev-port");
  }

  closeEdge(): Promise<void> {
    return closeServer(this.#edge);
  }

  /** Stops the sandboxes and writes what is batched or folded; the database closes with close(). */
  async stopWork(): Promise<void> {
    await this.#invoker.close();
    this.shield.repeats.flush();
    this.broker.flush();
    this.#logs.flush();
  }

  close(): void {
    this.#state.close();
  }

  #refresh(): void {
    const active = this.#state.activeVersions();
    this.#app = this.#state.appName() ?? "";
    this.#serving = new Map(active.map((v) => [v.function, v]));
    this.#router = new Router(active);
    this.#logs.setRedaction(new Map(active.map((v) => [v.function, v.spec.redact ?? []])));
    this.#jwt.update(active);
    this.broker.policies.setActive(active);
    this.#invoker.setActive(active);
    this.shield.refresh(active, this.#protection.load());
  }
}

/** Sandboxes the platform had to kill are security-relevant: a function hitting its limits. */
const SANDBOX_FAILURES: Partial<Record<string, { type: string; severity: "low" | "medium"; reason: string }>> = {
  BWK_TIMEOUT: { type: "sandbox.timeout", severity: "low", reason: "killed at its wall-clock deadline" },
  BWK_OUT_OF_MEMORY: { type: "sandbox.oom", severity: "medium", reason: "killed at its memory limit" },
  BWK_SANDBOX_CRASHED: { type: "sandbox.crashed", severity: "medium", reason: "the sandbox died or broke the protocol" },
};

/**
 * The app name bound into every stored value's encryption context (AAD). Dev's carries its stage,
 * so a row copied from prod's database into dev's does not decrypt there; prod's is the bare name,
 * as it was before stages, so existing data keeps decrypting.
 */
function encryptionContextOf(stage: Stage, app: string | undefined): string | undefined {
  return app === undefined || stage === "prod" ? app : `${app}@${stage}`;
}

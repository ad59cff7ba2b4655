// The platform in one process (the embedded default): state in SQLite, bundles on disk, the
// invoker with its sandboxes, the public edge and the loopback control API.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Logger } from "pino";
import { redactingLog } from "../broker/redacting-log.ts";
import { type BrokerServices, openBrokerServices } from "../broker/services.ts";
import type { MasterKeySource } from "../broker/crypto/master-key-file.ts";
import { BulwarkError } from "../core/errors.ts";
import { JwtVerifiers } from "../edge/auth/jwt-verifiers.ts";
import { createEdgeServer } from "../edge/server.ts";
import { trustedProxies } from "../edge/client-ip.ts";
import type { EdgeShield } from "../edge/shield.ts";
import { loadTls, type TlsMaterial, type TlsSource } from "../edge/tls.ts";
import { Router } from "../edge/router.ts";
import { Invoker, type InvokerLogEntry } from "../invoker/invoker.ts";
import { buildRuntime } from "../sandbox/runtime-build.ts";
import { checkSandboxSupport } from "../sandbox/sandbox.ts";
import { ObservedAuditLog, loadOrCreateAuditKey } from "../security/audit/index.ts";
import { SecurityEventRecorder } from "../security/recorder.ts";
import type { SiemOutbox } from "../security/siem/outbox.ts";
import { PlatformMetrics } from "../security/telemetry/metrics.ts";
import { createTracing, type Tracing } from "../security/telemetry/tracing.ts";
import { BundleStore } from "../store/bundles.ts";
import type { ApiKeyStore } from "../store/api-keys.ts";
import { SqliteApiKeyStore } from "../store/sqlite/api-keys.ts";
import { openDatabase } from "../store/sqlite/open.ts";
import { SqliteStateStore } from "../store/sqlite/state.ts";
import type { DeployOutcome, LogEntry, StateStore } from "../store/state.ts";
import { createControlServer } from "./api.ts";
import { People, type PeopleOptions } from "./auth/people.ts";
import { masterKeyTotpSealer } from "./auth/totp-sealing.ts";
import { ApiKeyAdmin } from "./api-keys.ts";
import { deployApp, type DeployRequest } from "./deploy.ts";
import { ArtifactService, type Admission, type Deployer } from "./artifacts/service.ts";
import { SqliteArtifactStore } from "../store/sqlite/artifacts.ts";
import { LogWriter } from "./log-writer.ts";
import { startSiem } from "./siem-service.ts";
import type { ThreatIntel } from "./intel.ts";
import { openShield, protectionSettings, type ShieldService } from "./shield-service.ts";
import type { ProtectionSettings, ProtectionSettingsStore } from "../store/protection-settings.ts";

export interface PlatformConfig {
  dataDir: string;
  host: string;
  port: number;
  controlPort: number;
  nodePath: string;
  insecureNoSandbox: boolean;
  sparesPerProfile: number;
  idleMs: number;
  bodyLimitBytes: number;
  log: Logger;
  /** Session lifetime and login backoff (`up --login-lockout`). */
  people?: PeopleOptions;
  /** OTLP/HTTP traces endpoint (`--otlp`); without it tracing is the no-op tracer. */
  otlpUrl?: string;
  /** Reported in traces and SIEM events. */
  version?: string;
  /** `--master-key-file` or BULWARK_MASTER_KEY; else the data dir's keys/master.key. */
  masterKey?: MasterKeySource;
  /** HTTPS at the edge: certificate files, or a generated development certificate (`--tls`). */
  tls?: TlsSource;
  /** Proxies whose X-Forwarded-For is believed (`--trust-proxy`); none by default. */
  trustProxy?: string[];
  /** Deadline for a request body after the request arrived (`--body-timeout`, default 10 s). */
  bodyTimeoutMs?: number;
}

export class Platform {
  readonly #config: PlatformConfig;
  readonly #state: StateStore;
  readonly #bundles: BundleStore;
  readonly #invoker: Invoker;
  readonly #logs: LogWriter;
  readonly #checkpoints: NodeJS.Timeout;
  readonly audit: ObservedAuditLog;
  readonly events: SecurityEventRecorder;
  /** Users, sessions, MFA and CI tokens: who may call the control API. */
  readonly people: People;
  readonly metrics: PlatformMetrics;
  /** The SIEM outbox: sinks, delivery, stats. */
  readonly siem: SiemOutbox;
  readonly #observe: { tracing: Tracing; closeAudit(): void };
  readonly keys: ApiKeyAdmin;
  /** The capability broker and what stands behind it: secrets, KV, objects, egress, invoke, policy. */
  readonly broker: BrokerServices;
  readonly #apiKeys: ApiKeyStore;
  readonly #jwt: JwtVerifiers;
  /** IP lists, rate limits, WAF and input rules the edge stages read. */
  readonly shield: EdgeShield;
  /** Signed deploy artifacts: scan reports, SBOMs, signatures, and the check before every bundle load. */
  readonly artifacts: ArtifactService;
  /** Threat-intel feeds behind the shield's deny list (`bulwark intel`). */
  readonly intel: ThreatIntel;
  readonly #protection: ProtectionSettingsStore;
  #tls: TlsMaterial | undefined;
  #router: Router;
  /** The app's name, read once per deploy: the edge needs it on every request. */
  #app = "";
  #edge: Server | undefined;
  #control: Server | undefined;

  private constructor(parts: {
    config: PlatformConfig;
    state: StateStore;
    bundles: BundleStore;
    invoker: Invoker;
    logs: LogWriter;
    audit: ObservedAuditLog;
    events: SecurityEventRecorder;
    people: People;
    metrics: PlatformMetrics;
    siem: SiemOutbox;
    observe: { tracing: Tracing; closeAudit(): void };
    apiKeys: ApiKeyStore;
    broker: BrokerServices;
    shield: ShieldService;
    artifacts: ArtifactService;
  }) {
    this.#config = parts.config;
    this.#state = parts.state;
    this.#bundles = parts.bundles;
    this.#invoker = parts.invoker;
    this.#logs = parts.logs;
    this.audit = parts.audit;
    this.events = parts.events;
    this.people = parts.people;
    this.metrics = parts.metrics;
    this.siem = parts.siem;
    this.#observe = parts.observe;
    this.#apiKeys = parts.apiKeys;
    this.broker = parts.broker;
    this.artifacts = parts.artifacts;
    this.shield = parts.shield.shield;
    this.intel = parts.shield.intel;
    this.#protection = parts.shield.settings;
    this.keys = new ApiKeyAdmin(parts.apiKeys, () => this.#state.activeVersions());
    this.#jwt = new JwtVerifiers({ secret: (name) => this.#jwtSecret(name) });
    this.#router = new Router([]);
    this.#checkpoints = setInterval(() => this.audit.maybeCheckpoint(), 10_000);
    this.#checkpoints.unref();
  }

  static async start(config: PlatformConfig): Promise<Platform> {
    const { dataDir, log } = config;
    // A certificate that cannot be used fails the start before anything is opened.
    const tls = config.tls ? await loadTls(config.tls) : undefined;
    const support = await checkSandboxSupport(config.nodePath);
    if (!support.ok && !config.insecureNoSandbox) {
      throw new BulwarkError(
        "BWK_SANDBOX_UNAVAILABLE",
        `functions cannot be sandboxed here: ${support.reason} (or start with --insecure-no-sandbox, for development only)`,
      );
    }
    if (config.insecureNoSandbox) {
      log.warn("--insecure-no-sandbox: functions run WITHOUT an OS sandbox; never use this in production");
    }
    // Sandboxes run as an unprivileged uid and bind their runtime and bundle from under the data
    // dir, so it is traversable (0711) but not listable; everything secret in it is 0600.
    mkdirSync(dataDir, { recursive: true });
    chmodSync(dataDir, 0o711);
    const workRoot = join(dataDir, "sandboxes");
    rmSync(workRoot, { recursive: true, force: true });
    mkdirSync(workRoot, { mode: 0o711 });
    const runtimeDir = join(dataDir, "runtime");
    await buildRuntime(runtimeDir);

    const db = openDatabase(join(dataDir, "bulwark.db"));
    const state = new SqliteStateStore(db);
    const events = new SecurityEventRecorder(db);
    // The audit chain has its own file, synced on every commit, and its signing key lives apart
    // from it: someone who can rewrite the database cannot also re-sign its checkpoints.
    const auditKey = loadOrCreateAuditKey(join(dataDir, "keys"));
    const auditDb = openDatabase(join(dataDir, "audit.db"), { synchronous: "FULL" });
    const audit = new ObservedAuditLog(auditDb, {
      signingKey: auditKey.privateKey,
      checkpointEvery: 100,
      checkpointIntervalMs: 60_000,
    });
    const version = config.version ?? "0.0.0";
    const tracing = createTracing({ otlpUrl: config.otlpUrl, serviceName: "bulwark", serviceVersion: version });
    const siem = startSiem({ db, keysDir: join(dataDir, "keys"), audit, events, productVersion: version, log });
    const metrics = new PlatformMetrics({
      sandboxes: () => invoker.stats().functions,
      auditLength: () => audit.length,
      siemSinks: () => siem.stats().sinks,
    });
    events.subscribe((batch) => metrics.securityEvents(batch));
    const bundles = new BundleStore(join(dataDir, "bundles"));
    // Its own key, in its own directory (the audit module's key-file loader: O_NOFOLLOW, 0600,
    // owner checked): a leaked artifact key cannot re-sign audit checkpoints, nor the reverse.
    const artifacts = new ArtifactService({ store: new SqliteArtifactStore(db), state, key: loadOrCreateAuditKey(join(dataDir, "keys", "artifacts")), audit, events });
    // Before the broker: the master key is checked against the wrapped keys in every table,
    // TOTP secrets' included; the people store seals with the key once it is loaded.
    const people = People.open(db, { audit, events, log }, { ...config.people, sealer: masterKeyTotpSealer(() => broker.sealer) });
    const broker = await openBrokerServices({
      dataDir,
      db,
      masterKey: config.masterKey ?? {},
      events,
      audit,
      log,
      app: () => state.appName(),
      run: async (fn, payload, call) => (await invoker.invoke(fn, payload, call)).value,
    });
    const logs = new LogWriter(state, { secretValues: () => broker.readSecrets.values() });
    // Failures the edge and control plane log may quote a handler's error, and so a secret it read.
    const platformConfig = { ...config, log: redactingLog(config.log, () => broker.readSecrets.values()) };
    const invoker = new Invoker({
      nodePath: config.nodePath,
      runtimeDir,
      workRoot,
      bundlePath: (hash) => bundles.path(hash),
      verifyBundle: (version, file) => artifacts.verifier.verify(version, file),
      insecureNoSandbox: config.insecureNoSandbox,
      sparesPerProfile: config.sparesPerProfile,
      idleMs: config.idleMs,
      onLog: (entry: InvokerLogEntry) => logs.add(entry),
      telemetry: { tracer: tracing.tracer, invoked: (s) => metrics.invoked(s), brokerCalled: (c) => metrics.brokerCalled(c) },
      onFailure: (failure) => {
        const kind = SANDBOX_FAILURES[failure.code];
        if (kind) {
          events.record({ type: kind.type, severity: kind.severity, function: failure.function, requestId: failure.requestId, reason: kind.reason });
        }
      },
      onCall: (call) => broker.broker.handle(call),
    });
    const apiKeys = new SqliteApiKeyStore(db);
    const observe = { tracing, closeAudit: () => auditDb.close() };
    const shield = openShield(db, events, config);
    const platform = new Platform({ config: platformConfig, state, bundles, invoker, logs, audit, events, people, apiKeys, metrics, siem, observe, broker, shield, artifacts });
    platform.#tls = tls;
    platform.#refresh();
    await platform.#listen();
    return platform;
  }

  get url(): string {
    return urlOf(this.#edge!, this.#tls ? "https" : "http");
  }

  get controlUrl(): string {
    return urlOf(this.#control!);
  }

  health(): { ok: true; app: string | null } {
    return { ok: true, app: this.#state.appName() ?? null };
  }

  deploy(request: DeployRequest, by: Deployer): { app: string; functions: DeployOutcome[] } {
    let settings: ProtectionSettings = {};
    let admission: Admission | undefined;
    const outcomes = deployApp(
      this.#state,
      this.#bundles,
      request,
      (manifest) => {
        this.shield.check(manifest);
        settings = protectionSettings(manifest);
        admission = this.artifacts.admit(manifest, request);
      },
      (created, hashes) => this.artifacts.record(admission!, created, hashes),
    );
    this.#protection.save(settings);
    this.artifacts.auditSuppressions(admission!, by);
    this.#refresh();
    return { app: this.#state.appName()!, functions: outcomes };
  }

  /**
   * The deploy `bulwark up DIR` makes before the control API listens: a control-plane action
   * like any other, so it is audited like one, as the local operator who started the platform.
   */
  deployAtStart(request: DeployRequest, operator: string): { app: string; functions: DeployOutcome[] } {
    const actor = { type: "user" as const, id: `local:${operator}` };
    try {
      const result = this.deploy(request, { actor });
      this.audit.append({ actor, action: "deploy.prod", target: "app", outcome: "success", details: { via: "bulwark up", functions: result.functions.length } });
      return result;
    } catch (e) {
      const code = e instanceof BulwarkError ? e.code : "BWK_INTERNAL";
      this.audit.append({ actor, action: "deploy.prod", target: "app", outcome: "failure", details: { via: "bulwark up", code } });
      throw e;
    }
  }

  listFunctions() {
    const live = new Map(this.#invoker.stats().functions.map((f) => [f.name, f]));
    return this.#state.activeVersions().map((v) => ({
      name: v.function,
      version: v.version,
      deployedAt: v.createdAt,
      routes: v.spec.triggers.map((t) => ({ method: t.method, path: t.path, auth: t.auth ?? null })),
      memoryBytes: v.spec.memoryBytes,
      timeoutMs: v.spec.timeoutMs,
      sandboxes: { live: live.get(v.function)?.live ?? 0, idle: live.get(v.function)?.idle ?? 0 },
    }));
  }

  versions(fn: string) {
    const versions = this.#state.versions(fn);
    if (versions.length === 0) throw new BulwarkError("BWK_FUNCTION_NOT_FOUND", `no function named "${fn}"`);
    const active = this.#state.activeVersions().find((v) => v.function === fn)?.version;
    return versions.map((v) => ({ version: v.version, bundleHash: v.bundleHash, deployedAt: v.createdAt, active: v.version === active }));
  }

  rollback(fn: string, to: unknown): { function: string; version: number } {
    if (typeof to !== "number" || !Number.isInteger(to) || to < 1) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", "the version to roll back to must be a positive integer");
    }
    if (!this.#state.activeVersions().some((v) => v.function === fn)) {
      throw new BulwarkError("BWK_FUNCTION_NOT_FOUND", `no function named "${fn}" is deployed`);
    }
    const version = this.#state.activate(fn, to);
    this.#refresh();
    return { function: fn, version: version.version };
  }

  async invokeDirect(fn: string, event: unknown) {
    const requestId = crypto.randomUUID();
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

  async stop(): Promise<void> {
    clearInterval(this.#checkpoints);
    await Promise.all([closeServer(this.#edge), closeServer(this.#control)]);
    await this.#invoker.close();
    this.broker.flush();
    this.#logs.flush();
    this.events.close();
    this.audit.checkpoint();
    await this.siem.stop();
    await this.#observe.tracing.shutdown();
    this.#observe.closeAudit();
    this.#state.close();
  }

  /** The value of the named secret behind a `jwt.secretName` (HMAC) config. */
  #jwtSecret(name: string): Uint8Array {
    return Buffer.from(this.broker.secrets.read(name).value, "utf8");
  }

  #refresh(): void {
    const active = this.#state.activeVersions();
    this.#app = this.#state.appName() ?? "";
    this.#router = new Router(active);
    this.#logs.setRedaction(new Map(active.map((v) => [v.function, v.spec.redact ?? []])));
    this.#jwt.update(active);
    this.broker.policies.setActive(active);
    this.#invoker.setActive(active);
    this.shield.refresh(active, this.#protection.load());
  }

  async #listen(): Promise<void> {
    const { host, port, controlPort, dataDir, log } = this.#config;
    this.#edge = createEdgeServer(
      {
        app: () => this.#app,
        router: () => this.#router,
        invoker: this.#invoker,
        bodyLimitBytes: this.#config.bodyLimitBytes,
        auth: { findKey: (hash) => this.#apiKeys.findByHash(hash), jwt: (fn) => this.#jwt.forFunction(fn) },
        events: this.events,
        observe: { tracing: this.#observe.tracing, responded: (r) => this.metrics.edgeResponded(r) },
        shield: this.shield,
      },
      log,
      { tls: this.#tls, trustedProxies: trustedProxies(this.#config.trustProxy ?? []) },
    );
    const adminToken = randomBytes(32).toString("base64url");
    this.#control = createControlServer(this, adminToken, log);
    await listen(this.#edge, port, host);
    // The control API never listens beyond loopback: it is the platform's administration.
    await listen(this.#control, controlPort, "127.0.0.1");
    writeFileSync(join(dataDir, "admin.token"), `${adminToken}\n`, { mode: 0o600 });
    writeFileSync(join(dataDir, "control.json"), `${JSON.stringify({ url: this.controlUrl, pid: process.pid })}\n`, { mode: 0o600 });
  }
}

/** Sandboxes the platform had to kill are security-relevant: a function hitting its limits. */
const SANDBOX_FAILURES: Partial<Record<string, { type: string; severity: "low" | "medium"; reason: string }>> = {
  BWK_TIMEOUT: { type: "sandbox.timeout", severity: "low", reason: "killed at its wall-clock deadline" },
  BWK_OUT_OF_MEMORY: { type: "sandbox.oom", severity: "medium", reason: "killed at its memory limit" },
  BWK_SANDBOX_CRASHED: { type: "sandbox.crashed", severity: "medium", reason: "the sandbox died or broke the protocol" },
};

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) =>
      reject(
        e.code === "EADDRINUSE"
          ? new BulwarkError("BWK_INVALID_ARGUMENT", `port ${port} on ${host} is already in use`)
          : e,
      ),
    );
    server.listen(port, host, () => resolve());
  });
}

function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function urlOf(server: Server, scheme: "http" | "https" = "http"): string {
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return `${scheme}://${host}:${port}`;
}

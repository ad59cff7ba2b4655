// The platform in one process (the embedded default): the shared parts (people, audit, security
// events, metrics, SIEM, tracing, the master key, the control API on its own listener) and its
// stages, prod and dev, each a world of its own for function data with its own edge (stage.ts).
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import type { Logger } from "pino";
import type { MasterKeySource } from "../broker/crypto/master-key-file.ts";
import type { MasterKeyRing, RotationResult } from "../broker/master-key-ring.ts";
import { redactingLog } from "../broker/redacting-log.ts";
import { openMasterKeyRing } from "../broker/services.ts";
import { Sealer } from "../broker/sealing.ts";
import { BulwarkError } from "../core/errors.ts";
import { trustedProxies } from "../edge/client-ip.ts";
import { loadTls, type TlsMaterial, type TlsSource } from "../edge/tls.ts";
import { buildRuntime } from "../sandbox/runtime-build.ts";
import { checkSandboxSupport } from "../sandbox/sandbox.ts";
import { ObservedAuditLog, loadOrCreateAuditKey } from "../security/audit/index.ts";
import { loadOrCreateArtifactKey } from "./artifacts/signing-key.ts";
import { SecurityEventRecorder } from "../security/recorder.ts";
import type { SiemOutbox } from "../security/siem/outbox.ts";
import { PlatformMetrics } from "../security/telemetry/metrics.ts";
import { createTracing, type Tracing } from "../security/telemetry/tracing.ts";
import { BundleStore } from "../store/bundles.ts";
import { openDatabase } from "../store/sqlite/open.ts";
import type { DeployOutcome } from "../store/state.ts";
import { createControlServer } from "./api.ts";
import { DEFAULT_CONTROL_HOST, controlListener, endpointOf, writeControlEndpoint } from "./endpoint.ts";
import { People, type PeopleOptions } from "./auth/people.ts";
import type { Stage } from "./auth/principal.ts";
import { masterKeyTotpSealer } from "./auth/totp-sealing.ts";
import type { DeployRequest } from "./deploy.ts";
import type { ThreatIntel } from "./intel.ts";
import { closeServer, listen } from "./servers.ts";
import { startSiem } from "./siem-service.ts";
import { masterKeySiemTokenSealer } from "./siem-token-sealing.ts";
import { openIntel } from "./shield-service.ts";
import { PlatformStage, type StageParts } from "./stage.ts";
import { Quarantine } from "./quarantine.ts";
import { SqliteQuarantineStore } from "../store/sqlite/quarantine.ts";
import { LimitOverrides } from "./limit-overrides.ts";
import { SqliteLimitOverrideStore } from "../store/sqlite/limit-overrides.ts";

export interface PlatformConfig {
  dataDir: string;
  host: string;
  /** The prod stage's public port. */
  port: number;
  /** The dev stage's public port, on the same host with the same TLS (`up --dev-port`). */
  devPort: number;
  controlPort: number;
  nodePath: string;
  insecureNoSandbox: boolean;
  sparesPerProfile: number;
  idleMs: number;
  bodyLimitBytes: number;
  /** Tenants' partitions one KV namespace or bucket may hold (`up --tenant-partitions`); default broker/limits.ts. */
  tenantPartitionsMax?: number;
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
  /** Where the control API listens (`--control-host`, default 127.0.0.1): beyond loopback only with controlTls. */
  controlHost?: string;
  /** HTTPS on the control API (`--control-tls`); control.json then carries the certificate's fingerprint. */
  controlTls?: TlsSource;
  /** Proxies whose X-Forwarded-For is believed (`--trust-proxy`); none by default. */
  trustProxy?: string[];
  /** Deadline for a request body after the request arrived (`--body-timeout`, default 10 s). */
  bodyTimeoutMs?: number;
}

/**
 * Where the dev stage keeps its files. Prod keeps the data dir's own files (bulwark.db, objects/,
 * keys/workload.key), so data dirs made before stages existed are prod's as they are.
 */
function devStageDir(dataDir: string): string {
  return join(dataDir, "stages", "dev");
}

export class Platform {
  readonly #config: PlatformConfig;
  readonly #checkpoints: NodeJS.Timeout;
  readonly audit: ObservedAuditLog;
  readonly events: SecurityEventRecorder;
  /** Users, sessions, MFA and CI tokens: who may call the control API. */
  readonly people: People;
  readonly metrics: PlatformMetrics;
  /** The SIEM outbox: sinks, delivery, stats. */
  readonly siem: SiemOutbox;
  /** Threat-intel feeds behind every stage's deny list (`bulwark intel`). */
  readonly intel: ThreatIntel;
  /** Functions taken out of service, per stage (`bulwark quarantine`, `bulwark release`). */
  readonly quarantine: Quarantine;
  /** Operators' tightened limits, per stage and function (`bulwark limits`). */
  readonly limits: LimitOverrides;
  readonly #stages: Readonly<Record<Stage, PlatformStage>>;
  readonly #keys: MasterKeyRing;
  /** Every stage's database: the master key wraps data in all of them. */
  readonly #databases: readonly DatabaseSync[];
  readonly #observe: { tracing: Tracing; closeAudit(): void };
  #tls: TlsMaterial | undefined;
  #controlListener: { host: string; tls?: TlsMaterial } = { host: DEFAULT_CONTROL_HOST };
  #control: Server | undefined;

  private constructor(parts: {
    config: PlatformConfig;
    audit: ObservedAuditLog;
    events: SecurityEventRecorder;
    people: People;
    metrics: PlatformMetrics;
    siem: SiemOutbox;
    intel: ThreatIntel;
    quarantine: Quarantine;
    limits: LimitOverrides;
    stages: Record<Stage, PlatformStage>;
    keys: MasterKeyRing;
    databases: DatabaseSync[];
    observe: { tracing: Tracing; closeAudit(): void };
  }) {
    this.#config = parts.config;
    this.audit = parts.audit;
    this.events = parts.events;
    this.people = parts.people;
    this.metrics = parts.metrics;
    this.siem = parts.siem;
    this.intel = parts.intel;
    this.quarantine = parts.quarantine;
    this.limits = parts.limits;
    this.#stages = parts.stages;
    this.#keys = parts.keys;
    this.#databases = parts.databases;
    this.#observe = parts.observe;
    this.#checkpoints = setInterval(() => this.audit.maybeCheckpoint(), 10_000);
    this.#checkpoints.unref();
  }

  static async start(config: PlatformConfig): Promise<Platform> {
    const { dataDir, log } = config;
    // A certificate that cannot be used fails the start before anything is opened.
    const tls = config.tls ? await loadTls(config.tls) : undefined;
    const control = await controlListener(config.controlHost ?? DEFAULT_CONTROL_HOST, config.controlTls);
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
    const devDir = devStageDir(dataDir);
    mkdirSync(devDir, { recursive: true, mode: 0o700 });
    const workRoot = join(dataDir, "sandboxes");
    rmSync(workRoot, { recursive: true, force: true });
    mkdirSync(workRoot, { mode: 0o711 });
    const runtimeDir = join(dataDir, "runtime");
    await buildRuntime(runtimeDir);

    // The main database holds prod's function data and what the stages share (people, security
    // events, the SIEM outbox, threat intel); the dev stage has a database of its own.
    const db = openDatabase(join(dataDir, "bulwark.db"));
    const devDb = openDatabase(join(devDir, "bulwark.db"));
    const events = new SecurityEventRecorder(db);
    // The audit chain has its own file, synced on every commit, and its signing key lives apart
    // from it: someone who can rewrite the database cannot also re-sign its checkpoints.
    const keysDir = join(dataDir, "keys");
    const auditKey = loadOrCreateAuditKey(keysDir);
    const auditDb = openDatabase(join(dataDir, "audit.db"), { synchronous: "FULL" });
    const audit = new ObservedAuditLog(auditDb, {
      signingKey: auditKey.privateKey,
      checkpointEvery: 100,
      checkpointIntervalMs: 60_000,
    });
    const missing = audit.openedWithoutCheckpoints;
    if (missing) events.record({ type: "audit.tampered", severity: "critical", reason: `audit log opened at start: ${missing.detail}`, details: { problem: missing.problem, seq: missing.seq } });
    const version = config.version ?? "0.0.0";
    const tracing = createTracing({ otlpUrl: config.otlpUrl, serviceName: "bulwark", serviceVersion: version });
    // One master key for every stage, checked against all their data before anything is sealed;
    // the people store seals TOTP secrets with it, and the SIEM outbox its webhook tokens.
    const databases = [db, devDb];
    const keys = await openMasterKeyRing({ keysDir, masterKey: config.masterKey ?? {}, dbs: databases, events, log });
    const sealer = new Sealer(keys);
    const tokenSealer = masterKeySiemTokenSealer(sealer);
    const siem = startSiem({ db, keysDir, tokenSealer, audit, events, productVersion: version, log });
    const stages = {} as Record<Stage, PlatformStage>;
    const all = () => Object.values(stages);
    const metrics = new PlatformMetrics({
      sandboxes: () => all().flatMap((s) => s.sandboxStats()),
      auditLength: () => audit.length,
      siemSinks: () => siem.stats().sinks,
    });
    events.subscribe((batch) => metrics.securityEvents(batch));
    const people = People.open(db, { audit, events, log }, { ...config.people, sealer: masterKeyTotpSealer(() => sealer) });
    // Asked for each string a redactor scans (function logs, the platform's own): lazily, no arrays.
    const secretValues = function* () {
      for (const stage of all()) yield* stage.broker.readSecrets.values();
    };
    const quarantine = new Quarantine(new SqliteQuarantineStore(db), events, (stage, fn) => stages[stage].retireSandboxes(fn));
    const limits = new LimitOverrides(new SqliteLimitOverrideStore(db), (stage, fn) => stages[stage].retireSandboxes(fn));
    const shared: Omit<StageParts, "name" | "dataDir" | "db"> = {
      keys,
      // Content-addressed: a bundle is the same bytes whichever stage deployed it.
      bundles: new BundleStore(join(dataDir, "bundles")),
      artifactKey: loadOrCreateArtifactKey(keysDir),
      audit,
      events,
      metrics,
      tracing,
      sandboxDirs: { runtimeDir, workRoot },
      secretValues,
      quarantine,
      limits,
      log,
    };
    // Both stages open at start, not at dev's first use: the master key was checked against dev's
    // data above, and a dev port already in use fails the start instead of a later deploy.
    stages.prod = PlatformStage.open({ ...shared, name: "prod", dataDir, db }, config);
    stages.dev = PlatformStage.open({ ...shared, name: "dev", dataDir: devDir, db: devDb }, config);
    const intel = openIntel(db, all().map((s) => s.shield));
    // Failures the edge and control plane log may quote a handler's error, and so a secret it read.
    const platformConfig = { ...config, log: redactingLog(config.log, secretValues) };
    const observe = { tracing, closeAudit: () => auditDb.close() };
    const platform = new Platform({ config: platformConfig, audit, events, people, metrics, siem, intel, quarantine, limits, stages, keys, databases, observe });
    platform.#tls = tls;
    platform.#controlListener = control;
    await platform.#listen();
    return platform;
  }

  /** The prod stage's public edge. */
  get url(): string {
    return this.#stages.prod.url;
  }

  get controlUrl(): string {
    return this.controlEndpoint.url;
  }

  /** The URL a CLI on this machine uses, and with TLS the certificate fingerprint it pins. */
  get controlEndpoint(): { url: string; fingerprint256?: string } {
    return endpointOf(this.#control!.address() as AddressInfo, this.#controlListener.tls);
  }

  stage(name: Stage): PlatformStage {
    return this.#stages[name];
  }

  health(): { ok: true; app: string | null } {
    return { ok: true, app: this.#stages.prod.appName ?? null };
  }

  /**
   * The deploy `bulwark up DIR` makes to prod before the control API listens: a control-plane
   * action like any other, so it is audited like one, as the local operator who started the platform.
   */
  deployAtStart(request: DeployRequest, operator: string): { app: string; stage: Stage; functions: DeployOutcome[] } {
    const actor = { type: "user" as const, id: `local:${operator}` };
    try {
      const result = this.#stages.prod.deploy(request, { actor });
      this.audit.append({ actor, action: "deploy.prod", target: "app", outcome: "success", details: { via: "bulwark up", stage: "prod", functions: result.functions.length } });
      return result;
    } catch (e) {
      const code = e instanceof BulwarkError ? e.code : "BWK_INTERNAL";
      this.audit.append({ actor, action: "deploy.prod", target: "app", outcome: "failure", details: { via: "bulwark up", stage: "prod", code } });
      throw e;
    }
  }

  /** `keys rotate-master`: every stage's data keys are rewrapped under one new master key. */
  rotateMaster(): Promise<RotationResult> {
    return this.#keys.rotate(this.#databases);
  }

  async stop(): Promise<void> {
    clearInterval(this.#checkpoints);
    const stages = Object.values(this.#stages);
    await Promise.all([...stages.map((s) => s.closeEdge()), closeServer(this.#control)]);
    for (const stage of stages) await stage.stopWork();
    this.events.close();
    this.audit.checkpoint();
    await this.siem.stop();
    await this.#observe.tracing.shutdown();
    this.#observe.closeAudit();
    // Prod's database is the main one, which the event recorder and the SIEM outbox wrote to: last.
    this.#stages.dev.close();
    this.#stages.prod.close();
  }

  async #listen(): Promise<void> {
    const { host, port, devPort, controlPort, dataDir, log } = this.#config;
    const edge = { tls: this.#tls, trustedProxies: trustedProxies(this.#config.trustProxy ?? []), bodyLimitBytes: this.#config.bodyLimitBytes };
    await this.#stages.prod.listen(host, port, edge, log);
    await this.#stages.dev.listen(host, devPort, edge, log);
    const adminToken = randomBytes(32).toString("base64url");
    this.#control = createControlServer(this, adminToken, log, this.#controlListener.tls);
    await listen(this.#control, controlPort, this.#controlListener.host, "--control-port");
    writeFileSync(join(dataDir, "admin.token"), `${adminToken}\n`, { mode: 0o600 });
    writeControlEndpoint(dataDir, { ...this.controlEndpoint, pid: process.pid });
  }
}

// The platform in one process (the embedded default): state in SQLite, bundles on disk, the
// invoker with its sandboxes, the public edge and the loopback control API.
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { Logger } from "pino";
import { BulwarkError } from "../core/errors.ts";
import { createEdgeServer } from "../edge/server.ts";
import { Router } from "../edge/router.ts";
import { Invoker, type InvokerLogEntry } from "../invoker/invoker.ts";
import { buildRuntime } from "../sandbox/runtime-build.ts";
import { checkSandboxSupport } from "../sandbox/sandbox.ts";
import { AuditLog, loadOrCreateAuditKey } from "../security/audit/index.ts";
import { SecurityEventRecorder } from "../security/recorder.ts";
import { BundleStore } from "../store/bundles.ts";
import { openDatabase } from "../store/sqlite/open.ts";
import { SqliteStateStore } from "../store/sqlite/state.ts";
import type { DeployOutcome, LogEntry, StateStore } from "../store/state.ts";
import { createControlServer } from "./api.ts";
import { deployApp, type DeployRequest } from "./deploy.ts";
import { LogWriter } from "./log-writer.ts";

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
}

export class Platform {
  readonly #config: PlatformConfig;
  readonly #state: StateStore;
  readonly #bundles: BundleStore;
  readonly #invoker: Invoker;
  readonly #logs: LogWriter;
  readonly #checkpoints: NodeJS.Timeout;
  readonly audit: AuditLog;
  readonly events: SecurityEventRecorder;
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
    audit: AuditLog;
    events: SecurityEventRecorder;
  }) {
    this.#config = parts.config;
    this.#state = parts.state;
    this.#bundles = parts.bundles;
    this.#invoker = parts.invoker;
    this.#logs = parts.logs;
    this.audit = parts.audit;
    this.events = parts.events;
    this.#router = new Router([]);
    this.#checkpoints = setInterval(() => this.audit.maybeCheckpoint(), 10_000);
    this.#checkpoints.unref();
  }

  static async start(config: PlatformConfig): Promise<Platform> {
    const { dataDir, log } = config;
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
    const audit = new AuditLog(openDatabase(join(dataDir, "audit.db"), { synchronous: "FULL" }), {
      signingKey: auditKey.privateKey,
      checkpointEvery: 100,
      checkpointIntervalMs: 60_000,
    });
    const bundles = new BundleStore(join(dataDir, "bundles"));
    const logs = new LogWriter(state);
    const invoker = new Invoker({
      nodePath: config.nodePath,
      runtimeDir,
      workRoot,
      bundlePath: (hash) => bundles.path(hash),
      insecureNoSandbox: config.insecureNoSandbox,
      sparesPerProfile: config.sparesPerProfile,
      idleMs: config.idleMs,
      onLog: (entry: InvokerLogEntry) => logs.add(entry),
      onFailure: (failure) => {
        const kind = SANDBOX_FAILURES[failure.code];
        if (kind) {
          events.record({ type: kind.type, severity: kind.severity, function: failure.function, requestId: failure.requestId, reason: kind.reason });
        }
      },
      onCall: (call) => {
        events.record({
          type: "capability.denied",
          severity: "medium",
          function: call.owner.function,
          requestId: call.invocationId ?? undefined,
          reason: `no grant for ${call.op.slice(0, 64)}`,
        });
        return Promise.reject(
          new BulwarkError("BWK_PERMISSION_DENIED", `function "${call.owner.function}" has no grant for ${call.op.slice(0, 64)}`),
        );
      },
    });
    const platform = new Platform({ config, state, bundles, invoker, logs, audit, events });
    platform.#refresh();
    await platform.#listen();
    return platform;
  }

  get url(): string {
    return urlOf(this.#edge!);
  }

  get controlUrl(): string {
    return urlOf(this.#control!);
  }

  health(): { ok: true; app: string | null } {
    return { ok: true, app: this.#state.appName() ?? null };
  }

  deploy(request: DeployRequest): { app: string; functions: DeployOutcome[] } {
    const outcomes = deployApp(this.#state, this.#bundles, request);
    this.#refresh();
    return { app: this.#state.appName()!, functions: outcomes };
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
    this.#logs.flush();
    this.events.flush();
    this.audit.checkpoint();
    this.#state.close();
  }

  #refresh(): void {
    const active = this.#state.activeVersions();
    this.#app = this.#state.appName() ?? "";
    this.#router = new Router(active);
    this.#invoker.setActive(active);
  }

  async #listen(): Promise<void> {
    const { host, port, controlPort, dataDir, log } = this.#config;
    this.#edge = createEdgeServer(
      {
        app: () => this.#app,
        router: () => this.#router,
        invoker: this.#invoker,
        bodyLimitBytes: this.#config.bodyLimitBytes,
      },
      log,
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

function urlOf(server: Server): string {
  const { address, port } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return `http://${host}:${port}`;
}

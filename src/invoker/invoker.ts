// Routes an invocation to a sandbox of the function's serving version: warm if one is idle, else a
// spare handed the bundle, else a fresh start. A sandbox that failed in any way is discarded.
import { BulwarkError } from "../core/errors.ts";
import type { FunctionSpec } from "../core/manifest/types.ts";
import type { InvocationContext, LogLevel } from "../sandbox/protocol.ts";
import { Sandbox, type SandboxProfile } from "../sandbox/sandbox.ts";
import type { FunctionVersion } from "../store/state.ts";
import type { SandboxBinding, SandboxOwner } from "./binding.ts";
import { FunctionPool } from "./pool.ts";
import { SparePool, profileKey } from "./spares.ts";
import { join } from "node:path";
import { randomUUID } from "node:crypto";

export interface InvokerLogEntry extends SandboxOwner {
  requestId: string | null;
  level: LogLevel;
  message: string;
}

export interface BrokerCall {
  owner: SandboxOwner;
  invocationId: string | null;
  op: string;
  args: unknown[];
}

export interface InvokerConfig {
  nodePath: string;
  runtimeDir: string;
  /** Parent of every sandbox's private work dir. */
  workRoot: string;
  bundlePath(hash: string): string;
  insecureNoSandbox: boolean;
  sparesPerProfile: number;
  idleMs: number;
  onLog(entry: InvokerLogEntry): void;
  /** Every failed invocation, with the error code it failed with. */
  onFailure(failure: SandboxOwner & { requestId: string; code: string }): void;
  /** The broker. Without a grant system every capability call is refused (default deny). */
  onCall(call: BrokerCall): Promise<unknown>;
}

export type InvocationRequest = Omit<InvocationContext, "functionName" | "version" | "deadline">;

export interface InvocationResult {
  value: unknown;
  cold: boolean;
  version: number;
  durationMs: number;
}

interface Serving {
  version: FunctionVersion;
  pool: FunctionPool;
}

export class Invoker {
  readonly #config: InvokerConfig;
  readonly #spares: SparePool;
  readonly #serving = new Map<string, Serving>();
  readonly #retired = new Set<FunctionPool>();
  readonly #reaper: NodeJS.Timeout;

  constructor(config: InvokerConfig) {
    this.#config = config;
    this.#spares = new SparePool((profile, binding) => this.#start(profile, binding), config.sparesPerProfile);
    this.#reaper = setInterval(() => this.#reap(), Math.max(1_000, Math.min(config.idleMs, 30_000)));
    this.#reaper.unref();
  }

  /** Switches to these serving versions; pools of replaced versions drain. */
  setActive(versions: FunctionVersion[]): void {
    const next = new Map<string, Serving>();
    for (const version of versions) {
      const current = this.#serving.get(version.function);
      if (current && current.version.version === version.version && current.version.bundleHash === version.bundleHash) {
        next.set(version.function, current);
      } else {
        next.set(version.function, { version, pool: this.#createPool(version) });
      }
    }
    for (const [name, serving] of this.#serving) {
      if (next.get(name) !== serving) this.#retire(serving.pool);
    }
    this.#serving.clear();
    for (const [name, serving] of next) this.#serving.set(name, serving);
    this.#spares.setProfiles(uniqueProfiles(versions.map((v) => profileOf(v.spec))));
  }

  has(fn: string): boolean {
    return this.#serving.has(fn);
  }

  async invoke(fn: string, event: unknown, request: InvocationRequest): Promise<InvocationResult> {
    const serving = this.#serving.get(fn);
    if (!serving) throw new BulwarkError("BWK_FUNCTION_NOT_FOUND", `no function named "${fn}"`);
    const { version, pool } = serving;
    const started = performance.now();
    const lease = await pool.acquire();
    const timeoutMs = version.spec.timeoutMs;
    const context: InvocationContext = {
      ...request,
      functionName: fn,
      version: String(version.version),
      deadline: Date.now() + timeoutMs,
    };
    let healthy = false;
    try {
      const value = await lease.sandbox.invoke(event, context, timeoutMs);
      healthy = true;
      return { value, cold: lease.cold, version: version.version, durationMs: performance.now() - started };
    } catch (e) {
      // A handler that threw left its sandbox usable; anything else (timeout, crash, OOM, a bad
      // response) means the sandbox is no longer trusted to be clean.
      healthy = e instanceof BulwarkError && e.code === "BWK_HANDLER_ERROR";
      // The caller gets a bare problem; what happened goes to the function's own log.
      const reason = e instanceof BulwarkError ? `${e.code}: ${e.message}` : String(e);
      this.#config.onLog({ function: fn, version: version.version, requestId: request.requestId, level: "error", message: `invocation failed: ${reason}` });
      this.#config.onFailure({
        function: fn,
        version: version.version,
        requestId: request.requestId,
        code: e instanceof BulwarkError ? e.code : "BWK_INTERNAL",
      });
      throw e;
    } finally {
      pool.release(lease.sandbox, healthy);
    }
  }

  stats(): { functions: Array<{ name: string; version: number; live: number; idle: number }> } {
    return {
      functions: [...this.#serving.entries()].map(([name, s]) => ({
        name,
        version: s.version.version,
        live: s.pool.live,
        idle: s.pool.idle,
      })),
    };
  }

  async close(): Promise<void> {
    clearInterval(this.#reaper);
    for (const { pool } of this.#serving.values()) pool.drain();
    for (const pool of this.#retired) pool.drain();
    this.#serving.clear();
    await this.#spares.close();
  }

  #createPool(version: FunctionVersion): FunctionPool {
    const spec = version.spec;
    const owner: SandboxOwner = { function: version.function, version: version.version };
    return new FunctionPool({
      concurrency: spec.concurrency,
      maxWaiters: spec.concurrency * 8,
      maxWaitMs: spec.timeoutMs,
      create: async () => {
        const sandbox = await this.#spares.take(profileOf(spec), { owner });
        try {
          await sandbox.load(this.#config.bundlePath(version.bundleHash), spec.export);
        } catch (e) {
          await sandbox.kill();
          throw e;
        }
        return sandbox;
      },
    });
  }

  #start(profile: SandboxProfile, binding: SandboxBinding): Promise<Sandbox> {
    const config = this.#config;
    return Sandbox.start({
      profile,
      nodePath: config.nodePath,
      runtimeDir: config.runtimeDir,
      workDir: join(config.workRoot, randomUUID()),
      insecureNoSandbox: config.insecureNoSandbox,
      onLog: (entry) => {
        if (binding.owner) config.onLog({ ...binding.owner, requestId: entry.id, level: entry.level, message: entry.msg });
      },
      onCall: (call) => {
        if (!binding.owner) {
          return Promise.reject(new BulwarkError("BWK_PERMISSION_DENIED", "this sandbox serves no function yet"));
        }
        return config.onCall({ owner: binding.owner, invocationId: call.invocationId, op: call.op, args: call.args });
      },
    });
  }

  #retire(pool: FunctionPool): void {
    pool.drain();
    if (!pool.empty) this.#retired.add(pool);
  }

  #reap(): void {
    const now = Date.now();
    for (const { pool } of this.#serving.values()) pool.reap(now, this.#config.idleMs);
    for (const pool of this.#retired) if (pool.empty) this.#retired.delete(pool);
  }
}

function profileOf(spec: FunctionSpec): SandboxProfile {
  return { memoryBytes: spec.memoryBytes, childProcesses: spec.sandbox.childProcesses, tmpWrite: spec.sandbox.tmpWrite };
}

function uniqueProfiles(profiles: SandboxProfile[]): SandboxProfile[] {
  const seen = new Map<string, SandboxProfile>();
  for (const p of profiles) seen.set(profileKey(p), p);
  return [...seen.values()];
}

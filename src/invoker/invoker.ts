// Routes an invocation to a sandbox of the function's serving version: warm if one is idle, else a
// spare handed the bundle, else a fresh start. A sandbox that failed in any way is discarded.
import type { BrokerCall } from "../broker/broker.ts";
import { BulwarkError } from "../core/errors.ts";
import type { FunctionSpec } from "../core/manifest/types.ts";
import type { InvocationContext, LogLevel } from "../sandbox/protocol.ts";
import { Sandbox, type SandboxProfile } from "../sandbox/sandbox.ts";
import type { FunctionVersion } from "../store/state.ts";
import type { SandboxBinding, SandboxOwner } from "./binding.ts";
import { observeBrokerCall, observeInvocation, type InvokerTelemetry } from "./observe.ts";
import { FunctionPool } from "./pool.ts";
import { SparePool, profileKey } from "./spares.ts";
import { VersionPools } from "./tenant-pools.ts";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import type { Context } from "@opentelemetry/api";
import { traceIdOf } from "../security/telemetry/tracing.ts";

export interface InvokerLogEntry extends SandboxOwner {
  requestId: string | null;
  /** Trace id of the invocation that logged the line. */
  traceId?: string;
  level: LogLevel;
  message: string;
}

export interface InvokerConfig {
  nodePath: string;
  runtimeDir: string;
  /** Parent of every sandbox's private work dir. */
  workRoot: string;
  bundlePath(hash: string): string;
  /**
   * Refuses (throws) unless the bundle file still is the version's signed artifact: run right
   * before every bundle load, so the sandbox side knows nothing of the platform's crypto.
   */
  verifyBundle(version: FunctionVersion, file: string): Promise<void>;
  insecureNoSandbox: boolean;
  sparesPerProfile: number;
  idleMs: number;
  onLog(entry: InvokerLogEntry): void;
  /** Every failed invocation, with the error code it failed with. */
  onFailure(failure: SandboxOwner & { requestId: string; code: string }): void;
  /** A sandbox ended for writing frames its runtime never sends (sandbox.ts onViolation). */
  onViolation(violation: SandboxOwner & { detail: string; requestIds: string[] }): void;
  /** A burst of a sandbox's calls refused for too many in flight (sandbox.ts onCallsRefused). */
  onCallsRefused(refused: SandboxOwner & { op: string; requestId: string | null; limit: number; suppressed: number }): void;
  /** The broker. Without a grant system every capability call is refused (default deny). */
  onCall(call: BrokerCall): Promise<unknown>;
  /**
   * Asked before every invocation, however it came (edge, direct, ctx.invoke, triggers): throws
   * the refusal when the function may not run now (a quarantined function). None: all may run.
   */
  admit?(fn: string, request: InvocationRequest): void;
  /**
   * An operator's lower concurrency for the function (`bulwark limits set --concurrency`), read
   * when its pools are made: retire(fn) after a change. None: the manifest's.
   */
  concurrencyCap?(fn: string): number | undefined;
  /** Spans and metric samples of invocations and broker calls; none when absent. */
  telemetry?: InvokerTelemetry;
}

export type InvocationRequest = Omit<InvocationContext, "functionName" | "version" | "deadline"> & {
  /** W3C traceparent of the caller's span (the broker call of ctx.invoke). */
  traceparent?: string;
  /**
   * The caller's trace context itself, when the caller runs in this process (the edge): used
   * instead of `traceparent`, which would only be formatted to be parsed again.
   */
  trace?: Context;
  /** The verified tenant, for a function with `isolation: tenant` (picks its sandbox pool). */
  tenant?: string;
  /** ctx.invoke hops that led here: set by the broker for a callee; 0 (the default) otherwise. */
  depth?: number;
  /** A callee's caller's deadline (epoch ms): the invocation ends by it, whatever its own timeout. */
  deadline?: number;
};

export interface InvocationResult {
  value: unknown;
  cold: boolean;
  version: number;
  durationMs: number;
}

/**
 * What the invoker attaches to each invocation it hands a sandbox; the sandbox hands it back with
 * that invocation's broker calls and log lines (a sandbox may run several at once).
 */
interface RunningInvocation {
  /** The invocation's trace context: parent of its broker calls, source of its logs' trace id. */
  trace: Context;
  /** Epoch ms at which the sandbox is killed for it. */
  deadline: number;
  /** ctx.invoke hops that led to it. */
  depth: number;
}

interface Serving {
  version: FunctionVersion;
  pools: VersionPools;
}

export class Invoker {
  readonly #config: InvokerConfig;
  readonly #spares: SparePool;
  readonly #serving = new Map<string, Serving>();
  /** Draining pools (a replaced version's, a retired function's) and whose they are, until their last sandbox is gone. */
  readonly #retired = new Map<FunctionPool, string>();
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
        next.set(version.function, this.#servingOf(version));
      }
    }
    for (const [name, serving] of this.#serving) {
      if (next.get(name) !== serving) for (const pool of serving.pools.all()) void this.#retire(name, pool);
    }
    this.#serving.clear();
    for (const [name, serving] of next) this.#serving.set(name, serving);
    this.#spares.setProfiles(uniqueProfiles(versions.map((v) => profileOf(v.spec))));
  }

  /**
   * Ends the function's sandboxes, which may hold state its code left in memory: idle ones now
   * (settles once they are gone), busy ones when their invocation ends. Its next invocation starts
   * a fresh sandbox. A function that is not serving has none.
   */
  async retire(fn: string): Promise<void> {
    const serving = this.#serving.get(fn);
    if (serving === undefined) return;
    this.#serving.set(fn, this.#servingOf(serving.version));
    await Promise.all(serving.pools.all().map((pool) => this.#retire(fn, pool)));
  }

  has(fn: string): boolean {
    return this.#serving.has(fn);
  }

  async invoke(fn: string, event: unknown, request: InvocationRequest): Promise<InvocationResult> {
    const serving = this.#serving.get(fn);
    if (!serving) throw new BulwarkError("BWK_FUNCTION_NOT_FOUND", `no function named "${fn}"`);
    this.#config.admit?.(fn, request);
    const { version } = serving;
    const { traceparent, trace, tenant, depth = 0, deadline: callerDeadline = Infinity, ...fromCaller } = request;
    const pool = serving.pools.forTenant(tenant);
    const observed = observeInvocation(this.#config.telemetry, { function: fn, version: version.version }, request.requestId, trace ?? traceparent);
    const started = performance.now();
    let lease;
    try {
      lease = await pool.acquire();
    } catch (e) {
      observed.done(e, false);
      throw e;
    }
    const deadline = Math.min(Date.now() + version.spec.timeoutMs, callerDeadline);
    const context: InvocationContext = { ...fromCaller, functionName: fn, version: String(version.version), deadline };
    let healthy = false;
    try {
      const timeoutMs = deadline - Date.now();
      if (timeoutMs <= 0) {
        // A callee whose caller's time ran out while it waited for a sandbox does not start.
        healthy = true;
        throw new BulwarkError("BWK_TIMEOUT", "the calling function's time ran out before this invocation started");
      }
      const running: RunningInvocation = { trace: observed.context, deadline, depth };
      const value = await lease.sandbox.invoke(event, context, timeoutMs, running);
      healthy = true;
      observed.done(undefined, lease.cold);
      return { value, cold: lease.cold, version: version.version, durationMs: performance.now() - started };
    } catch (e) {
      observed.done(e, lease.cold);
      // A handler that threw left its sandbox usable; anything else (timeout, crash, OOM, a bad
      // response) means the sandbox is no longer trusted to be clean.
      healthy ||= e instanceof BulwarkError && e.code === "BWK_HANDLER_ERROR";
      // The caller gets a bare problem; what happened goes to the function's own log.
      this.logFailure({ function: fn, version: version.version }, request.requestId, e);
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

  /**
   * Writes why an invocation failed to the function's own log (`bulwark logs`), where its author
   * looks. Also for a failure found after the sandbox answered: the edge's check of an HTTP answer.
   */
  logFailure(owner: SandboxOwner, requestId: string, error: unknown): void {
    const reason = error instanceof BulwarkError ? `${error.code}: ${error.message}` : String(error);
    this.#config.onLog({ ...owner, requestId, level: "error", message: `invocation failed: ${reason}` });
  }

  /** Per serving function, its sandboxes; those still draining count as live until they are gone. */
  stats(): { functions: Array<{ name: string; version: number; live: number; idle: number }> } {
    const draining = new Map<string, number>();
    for (const [pool, name] of this.#retired) draining.set(name, (draining.get(name) ?? 0) + pool.live);
    return {
      functions: [...this.#serving.entries()].map(([name, s]) => ({
        name,
        version: s.version.version,
        live: s.pools.live + (draining.get(name) ?? 0),
        idle: s.pools.idle,
      })),
    };
  }

  async close(): Promise<void> {
    clearInterval(this.#reaper);
    for (const { pools } of this.#serving.values()) for (const pool of pools.all()) void pool.drain();
    for (const pool of this.#retired.keys()) void pool.drain();
    this.#serving.clear();
    await this.#spares.close();
  }

  #servingOf(version: FunctionVersion): Serving {
    const cap = this.#config.concurrencyCap?.(version.function);
    // An override only ever lowers it; a later deploy below the override wins the same way.
    const spec = cap === undefined ? version.spec : { ...version.spec, concurrency: Math.min(version.spec.concurrency, cap) };
    return { version, pools: new VersionPools(spec, (tenant) => this.#createPool(version, spec, tenant)) };
  }

  #createPool(version: FunctionVersion, spec: FunctionSpec, tenant: string | undefined): FunctionPool {
    const owner: SandboxOwner = { function: version.function, version: version.version, ...(tenant === undefined ? {} : { tenant }) };
    // Versions stored before the setting existed run one invocation per sandbox, as they did.
    const perSandbox = spec.sandbox.invocations ?? 1;
    return new FunctionPool({
      concurrency: spec.concurrency,
      perSandbox,
      maxWaiters: spec.concurrency * perSandbox * 8,
      maxWaitMs: spec.timeoutMs,
      create: async () => {
        const bundle = this.#config.bundlePath(version.bundleHash);
        await this.#config.verifyBundle(version, bundle);
        const sandbox = await this.#spares.take(profileOf(spec), { owner });
        try {
          await sandbox.load(bundle, spec.export);
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
        const traceId = entry.id === null ? undefined : traceIdOf((entry.invocation as RunningInvocation | undefined)?.trace);
        if (binding.owner) config.onLog({ ...binding.owner, requestId: entry.id, ...(traceId && { traceId }), level: entry.level, message: entry.msg });
      },
      onCall: (call) => {
        if (!binding.owner) {
          return Promise.reject(new BulwarkError("BWK_PERMISSION_DENIED", "this sandbox serves no function yet"));
        }
        const owner = binding.owner;
        const running = call.invocation as RunningInvocation | undefined;
        return observeBrokerCall(config.telemetry, owner, call.op, running?.trace, (traceparent) =>
          config.onCall({ owner, invocationId: call.invocationId, deadline: running?.deadline ?? 0, depth: deepest(call.running as RunningInvocation[]), op: call.op, args: call.args, ...(traceparent && { traceparent }) }),
        );
      },
      // A spare has no owner and runs no function code: only the platform's runtime speaks there.
      onViolation: (violation) => {
        if (binding.owner) config.onViolation({ ...binding.owner, ...violation });
      },
      onCallsRefused: (refused) => {
        if (binding.owner) config.onCallsRefused({ ...binding.owner, ...refused });
      },
    });
  }

  #retire(fn: string, pool: FunctionPool): Promise<void> {
    const idleGone = pool.drain();
    if (!pool.empty) this.#retired.set(pool, fn);
    return idleGone;
  }

  #reap(): void {
    const now = Date.now();
    for (const { pools } of this.#serving.values()) pools.reap(now, this.#config.idleMs);
    for (const pool of this.#retired.keys()) if (pool.empty) this.#retired.delete(pool);
  }
}

/**
 * The call depth of a sandbox's calls: the deepest invocation it runs. Code in a sandbox that runs
 * several invocations can tag a call with any of them; judging by the deepest, a chain of
 * ctx.invoke cannot reset its depth by claiming a shallower invocation that shares its sandbox.
 */
function deepest(running: readonly RunningInvocation[]): number {
  return running.reduce((depth, r) => Math.max(depth, r.depth), 0);
}

function profileOf(spec: FunctionSpec): SandboxProfile {
  return { memoryBytes: spec.memoryBytes, childProcesses: spec.sandbox.childProcesses, tmpWrite: spec.sandbox.tmpWrite };
}

function uniqueProfiles(profiles: SandboxProfile[]): SandboxProfile[] {
  const seen = new Map<string, SandboxProfile>();
  for (const p of profiles) seen.set(profileKey(p), p);
  return [...seen.values()];
}

// One function sandbox: a bubblewrap-isolated node process running the runtime, with its own
// cgroups and work directory, spoken to over the framed channel of protocol.ts. The sandbox is
// untrusted from its first byte: every frame is checked, any violation ends it, and whatever it
// does (crash, hang, OOM, flood) ends only itself.

import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { resolve as resolvePath } from "node:path";
import type { Duplex } from "node:stream";
import { BulwarkError } from "../core/errors.ts";
import type { ErrorCode } from "../core/errors.ts";
import { RepeatSampler } from "../core/repeat-sampler.ts";
import { createSandboxCgroup } from "./cgroup.ts";
import type { SandboxCgroup } from "./cgroup.ts";
import { SECCOMP_FD, launchCommand } from "./launch.ts";
import type { LaunchCommand } from "./launch.ts";
import { parseSandboxMessage } from "./messages.ts";
import { nodeLibraries } from "./node-libs.ts";
import { LineSplitter } from "./output-lines.ts";
import { FrameDecoder, FrameWriter, encodeFrame, FrameError } from "./protocol.ts";
import type { HostMessage, InvocationContext, LogLevel, SandboxMessage } from "./protocol.ts";
import { deathError, denyAll, describe, wireErrorOf } from "./outcomes.ts";
import { seccompProgram } from "./seccomp.ts";
import type { ExitReason, SandboxExit, SandboxOptions, SandboxProfile } from "./types.ts";
import { createWorkDir, placeBundle, removeWorkDir } from "./workdir.ts";

export { checkSandboxSupport } from "./support.ts";

export type { ExitReason, SandboxExit, SandboxOptions, SandboxProfile } from "./types.ts";

export const MIN_MEMORY_BYTES = 32 * 1024 * 1024;
/** Broker calls one sandbox may have open at once; more are refused with LimitExceeded. */
const MAX_CALLS_IN_FLIGHT = 64;
/** Bytes the platform queued for a sandbox that does not read its channel before it is ended. */
const MAX_UNREAD_BYTES = 32 * 1024 * 1024;
const DEFAULT_LOAD_TIMEOUT_MS = 10_000;
/** setTimeout's ceiling (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

const warned = new Set<string>();

/** The same filter for every sandbox of this process: built once, not per start. */
const SECCOMP_PROGRAM = seccompProgram();

interface Invocation {
  requestId: string;
  /** What the platform attached at invoke(); handed back with the invocation's calls and logs. */
  attachment: unknown;
  done: PromiseWithResolvers<unknown>;
  timer: NodeJS.Timeout;
}

export class Sandbox {
  readonly #options: SandboxOptions;
  readonly #child: ChildProcess;
  readonly #channel: Duplex;
  readonly #writer: FrameWriter;
  readonly #cgroup: SandboxCgroup | undefined;
  readonly #workDir: string;
  readonly #bundleDir: { host: string; inside: string };
  readonly #decoder = new FrameDecoder();
  readonly #ready = Promise.withResolvers<void>();
  readonly #finished = Promise.withResolvers<void>();
  readonly #exitListeners: ((info: SandboxExit) => void)[] = [];
  readonly #stderrTail: string[] = [];
  #isReady = false;
  #load: { done: PromiseWithResolvers<void>; timer: NodeJS.Timeout } | undefined;
  /**
   * Invocations running now, by their id on the channel (this sandbox's own counter: request ids
   * repeat when a function calls itself). The pool decides how many one sandbox may run.
   */
  readonly #invocations = new Map<string, Invocation>();
  #invocationCount = 0;
  #loaded = false;
  #dying: { reason: ExitReason; detail: string } | undefined;
  #heapOutOfMemory = false;
  #exit: SandboxExit | undefined;
  #callsInFlight = 0;
  /** Folds a burst of calls refused past MAX_CALLS_IN_FLIGHT into one onCallsRefused; made at the first. */
  #refusedCalls: RepeatSampler | undefined;

  private constructor(options: SandboxOptions, command: LaunchCommand, cgroup: SandboxCgroup | undefined, workDir: string, bundleDir: string) {
    this.#options = options;
    this.#cgroup = cgroup;
    this.#workDir = workDir;
    this.#bundleDir = { host: bundleDir, inside: command.bundleDir };
    // stdin is /dev/null; fd 3 is the channel (a UNIX socketpair); detached so a terminal's
    // signals reach the platform, which decides what happens to its sandboxes.
    const stdio: "pipe"[] = command.seccomp === undefined ? ["pipe"] : ["pipe", "pipe"];
    this.#child = spawn(command.file, command.args, { stdio: ["ignore", "pipe", "pipe", ...stdio], env: command.env, detached: true });
    this.#channel = this.#child.stdio[3] as Duplex;
    this.#writer = new FrameWriter(this.#channel);
    if (command.seccomp !== undefined) {
      const seccomp = this.#child.stdio[SECCOMP_FD] as Duplex;
      seccomp.on("error", () => {}); // bubblewrap died before reading it: "close" reports that
      seccomp.end(command.seccomp);
    }
    this.#channel.on("data", (chunk: Buffer) => this.#onData(chunk));
    this.#channel.on("error", () => this.#terminate("killed", "its channel failed"));
    this.#captureOutput(this.#child.stdout!, "info");
    this.#captureOutput(this.#child.stderr!, "error");
    this.#child.on("error", () => {
      if (this.#child.pid === undefined) void this.#onClose(null, null);
    });
    this.#child.on("close", (code, signal) => void this.#onClose(code, signal));
    // "close" waits for the child's pipes; if something still holds one open after the process
    // is gone, stop waiting for it.
    this.#child.on("exit", () => setTimeout(() => this.#child.stdio.forEach((stream) => stream?.destroy()), 2000).unref());
  }

  /** Starts a sandbox and resolves once its runtime said "ready". */
  static async start(options: SandboxOptions): Promise<Sandbox> {
    checkProfile(options.profile);
    const workDir = resolvePath(options.workDir);
    let bundleDir: string;
    try {
      bundleDir = await createWorkDir(workDir);
    } catch (e) {
      throw new BulwarkError("BWK_SANDBOX_UNAVAILABLE", `cannot create the sandbox's work directory ${workDir}: ${(e as Error).message}`, { cause: e });
    }
    let cgroup: SandboxCgroup | undefined;
    let sandbox: Sandbox;
    try {
      const { profile } = options;
      const insecure = options.insecureNoSandbox === true;
      const libraries = insecure || profile.childProcesses ? [] : await nodeLibraries(options.nodePath);
      const created = createSandboxCgroup({ memoryBytes: profile.memoryBytes, pids: profile.childProcesses ? 64 : 32 });
      if ("unavailable" in created) warnOnce(options, `sandboxes run without memory and process limits: ${created.unavailable}`);
      else cgroup = created;
      const command = launchCommand({
        profile,
        nodePath: resolvePath(options.nodePath),
        libraries,
        runtimeDir: resolvePath(options.runtimeDir),
        bundleDir,
        insecureNoSandbox: insecure,
        bwrapPath: options.bwrapPath ?? "/usr/bin/bwrap",
        procsFiles: cgroup?.procsFiles ?? [],
        cpuSeconds: options.cpuSeconds ?? 3600,
        tmpBytes: options.tmpBytes ?? 64 * 1024 * 1024,
        dropPrivileges: process.getuid?.() === 0,
        seccomp: SECCOMP_PROGRAM,
      });
      if (!insecure && command.seccomp === undefined) warnOnce(options, `sandboxes run without a seccomp filter on ${process.arch}`);
      sandbox = new Sandbox(options, command, cgroup, workDir, bundleDir);
    } catch (e) {
      await cgroup?.remove().catch(() => {});
      await removeWorkDir(workDir);
      throw new BulwarkError("BWK_SANDBOX_UNAVAILABLE", `cannot start a sandbox: ${(e as Error).message}`, { cause: e });
    }
    const timer = setTimeout(() => sandbox.#terminate("timeout", "it did not start in time"), options.startTimeoutMs ?? 10_000);
    try {
      await sandbox.#ready.promise;
      return sandbox;
    } catch (e) {
      await sandbox.kill();
      const output = sandbox.#stderrTail.length > 0 ? ` (${sandbox.#stderrTail.join(" | ")})` : "";
      throw new BulwarkError("BWK_SANDBOX_UNAVAILABLE", `the sandbox did not start: ${(e as Error).message}${output}`, { cause: e });
    } finally {
      clearTimeout(timer);
    }
  }

  get alive(): boolean {
    return this.#exit === undefined && this.#dying === undefined;
  }

  get loaded(): boolean {
    return this.#loaded;
  }

  get pid(): number | undefined {
    return this.alive ? this.#child.pid : undefined;
  }

  /** Places the bundle in the sandbox's read-only /bundle and has the runtime import it. */
  async load(bundleFile: string, exportName: string, timeoutMs = DEFAULT_LOAD_TIMEOUT_MS): Promise<void> {
    this.#assertAlive();
    if (this.#loaded || this.#load !== undefined) throw new BulwarkError("BWK_INTERNAL", "this sandbox already has a bundle");
    if (!/^[A-Za-z_$][\w$]*$/.test(exportName)) throw new BulwarkError("BWK_INVALID_ARGUMENT", `"${exportName}" is not a valid export name`);
    const done = Promise.withResolvers<void>();
    done.promise.catch(() => {}); // awaited below; the sandbox may die before that
    const load = { done, timer: setTimeout(() => this.#terminate("timeout", "loading the bundle took too long"), timeoutMs) };
    this.#load = load;
    try {
      const placed = await placeBundle(bundleFile, this.#bundleDir.host);
      if (this.alive) this.#send({ t: "load", bundle: `${this.#bundleDir.inside}${placed.slice(this.#bundleDir.host.length)}`, export: exportName });
    } catch (e) {
      clearTimeout(load.timer);
      if (this.#load === load) this.#load = undefined;
      throw new BulwarkError("BWK_INTERNAL", `cannot place the bundle: ${(e as Error).message}`, { cause: e });
    }
    await done.promise;
    this.#loaded = true;
  }

  /** Invocations running in this sandbox now. */
  get running(): number {
    return this.#invocations.size;
  }

  /**
   * Runs the handler once. The sandbox is killed at the deadline, and with it every invocation
   * it was running: a handler that overran cannot be stopped any other way.
   */
  async invoke(event: unknown, context: InvocationContext, timeoutMs: number, attachment?: unknown): Promise<unknown> {
    this.#assertAlive();
    if (!this.#loaded) throw new BulwarkError("BWK_INTERNAL", "no bundle is loaded in this sandbox");
    if (!(timeoutMs > 0 && timeoutMs <= MAX_TIMEOUT_MS)) throw new BulwarkError("BWK_INVALID_ARGUMENT", `the timeout must be between 1 and ${MAX_TIMEOUT_MS} ms`);
    const id = String(++this.#invocationCount);
    const deadline = Math.min(Number.isFinite(context.deadline) ? context.deadline : Infinity, Date.now() + timeoutMs);
    try {
      this.#send({ t: "invoke", id, event, context: { ...context, deadline } });
    } catch (e) {
      if (e instanceof FrameError) throw new BulwarkError("BWK_PAYLOAD_TOO_LARGE", "the event is larger than a sandbox frame", { cause: e });
      throw new BulwarkError("BWK_INTERNAL", `the event cannot be sent to the sandbox: ${(e as Error).message}`, { cause: e });
    }
    const done = Promise.withResolvers<unknown>();
    const timer = setTimeout(() => this.#terminate("timeout", `it ran past ${timeoutMs} ms`), timeoutMs);
    this.#invocations.set(id, { requestId: context.requestId, attachment, done, timer });
    return done.promise;
  }

  /** Ends every process of the sandbox and removes its cgroups and work directory. Idempotent. */
  async kill(): Promise<void> {
    this.#terminate("killed", "it was killed by the platform");
    await this.#finished.promise;
  }

  onExit(listener: (info: SandboxExit) => void): void {
    if (this.#exit !== undefined) {
      const info = this.#exit;
      this.#finished.promise.then(() => listener(info), () => {});
    } else {
      this.#exitListeners.push(listener);
    }
  }

  memoryUsageBytes(): number | undefined {
    return this.alive ? this.#cgroup?.memoryUsageBytes() : undefined;
  }

  #assertAlive(): void {
    if (!this.alive) throw new BulwarkError("BWK_SANDBOX_UNAVAILABLE", "the sandbox is not running");
  }

  #send(message: HostMessage): void {
    this.#writer.write(encodeFrame(message));
    if (this.#channel.writableLength > MAX_UNREAD_BYTES) this.#terminate("killed", "it stopped reading its channel");
  }

  #onData(chunk: Buffer): void {
    if (!this.alive) return;
    let frames: unknown[];
    try {
      frames = this.#decoder.push(chunk);
    } catch (e) {
      this.#violation(`it broke the channel protocol (${(e as Error).message})`);
      return;
    }
    for (const frame of frames) {
      const message = parseSandboxMessage(frame);
      if (message === undefined) this.#violation("it sent a malformed frame");
      else this.#handle(message);
      if (!this.alive) return;
    }
  }

  #handle(message: SandboxMessage): void {
    switch (message.t) {
      case "ready":
        if (this.#isReady) return this.#violation("it sent ready twice");
        this.#isReady = true;
        return this.#ready.resolve();
      case "loaded":
      case "load-failed": {
        const load = this.#load;
        if (load === undefined || this.#loaded) return this.#violation(`it sent ${message.t} without a load`);
        clearTimeout(load.timer);
        this.#load = undefined;
        if (message.t === "loaded") return load.done.resolve();
        return load.done.reject(new BulwarkError("BWK_HANDLER_ERROR", `the bundle failed to load: ${describe(message.error)}`));
      }
      case "result": {
        const invocation = this.#invocations.get(message.id);
        if (invocation === undefined) return this.#violation("it sent a result for an unknown invocation");
        clearTimeout(invocation.timer);
        this.#invocations.delete(message.id);
        if (message.ok) return invocation.done.resolve(message.value);
        const code: ErrorCode = message.error.code === "BWK_BAD_RESPONSE" ? "BWK_BAD_RESPONSE" : "BWK_HANDLER_ERROR";
        return invocation.done.reject(new BulwarkError(code, `the handler failed: ${describe(message.error)}`));
      }
      case "log": {
        const invocation = this.#runningOrNone(message.id);
        if (invocation === undefined) return this.#violation("it logged for an invocation it never ran");
        return this.#log(invocation, message.level, message.msg);
      }
      case "call": {
        // The call is for an invocation this sandbox is running, or for none; an id it never
        // ran is a lie about whose call it is.
        const invocation = this.#runningOrNone(message.inv);
        if (invocation === undefined) return this.#violation("it made a call for an invocation it never ran");
        return void this.#call(message.id, invocation, message.op, message.args);
      }
    }
  }

  /**
   * The invocation a call or log line is tagged with if it still runs; null (none) for one that
   * ended: a timer or a kept ctx of a handler that returned still carries its id, and the broker
   * refuses calls outside an invocation. undefined for an id this sandbox never handed out.
   */
  #runningOrNone(id: string | null): Invocation | null | undefined {
    if (id === null) return null;
    const running = this.#invocations.get(id);
    if (running !== undefined) return running;
    return /^[1-9][0-9]{0,15}$/.test(id) && Number(id) <= this.#invocationCount ? null : undefined;
  }

  /** Ends the sandbox for a frame its runtime never sends: code in it is writing to the channel. */
  #violation(detail: string): void {
    if (!this.alive) return;
    const requestIds = Array.from(this.#invocations.values(), (i) => i.requestId);
    notify(this.#options, "onViolation", () => this.#options.onViolation?.({ detail, requestIds }));
    this.#terminate("killed", detail);
  }

  async #call(id: number, invocation: Invocation | null, op: string, args: unknown[]): Promise<void> {
    let reply: HostMessage;
    if (this.#callsInFlight >= MAX_CALLS_IN_FLIGHT) {
      this.#callRefused(invocation, op);
      reply = { t: "reply", id, ok: false, error: { name: "LimitExceeded", message: "too many calls in flight", code: "BWK_LIMIT_EXCEEDED" } };
    } else {
      this.#callsInFlight++;
      try {
        const broker = this.#options.onCall ?? denyAll;
        const running = Array.from(this.#invocations.values(), (i) => i.attachment);
        reply = { t: "reply", id, ok: true, value: await broker({ op, args, ...taggedWith(invocation), running }) };
      } catch (e) {
        reply = { t: "reply", id, ok: false, error: wireErrorOf(e) };
      } finally {
        this.#callsInFlight--;
      }
    }
    if (!this.alive) return;
    try {
      this.#send(reply);
    } catch (e) {
      // A broker value that cannot cross (too large, or not JSON) fails only this call.
      const error = e instanceof FrameError ? { name: "LimitExceeded", message: "the reply is too large", code: "BWK_LIMIT_EXCEEDED" } : wireErrorOf(e);
      this.#send({ t: "reply", id, ok: false, error });
    }
  }

  /**
   * A call refused for the in-flight cap: code in the sandbox flooding the broker (CWE-770). Said
   * once per sandbox and window, with the refusals folded since the last time (core/repeat-sampler.ts).
   */
  #callRefused(invocation: Invocation | null, op: string): void {
    this.#refusedCalls ??= new RepeatSampler({ maxKeys: 1 });
    const requestId = invocation?.requestId ?? null;
    this.#refusedCalls.admit("calls", Date.now(), (suppressed) =>
      notify(this.#options, "onCallsRefused", () => this.#options.onCallsRefused?.({ op: op.slice(0, 64), requestId, limit: MAX_CALLS_IN_FLIGHT, suppressed })),
    );
  }

  #log(invocation: Invocation | null, level: LogLevel, msg: string): void {
    notify(this.#options, "onLog", () => {
      const { invocationId, ...attached } = taggedWith(invocation);
      this.#options.onLog?.({ id: invocationId, level, msg, ...attached });
    });
  }

  #captureOutput(stream: NodeJS.ReadableStream, level: LogLevel): void {
    const lines = new LineSplitter((line) => {
      if (level === "error") {
        // V8's fatal heap error is printed before node aborts; the exit alone cannot tell.
        if (line.includes("JavaScript heap out of memory")) this.#heapOutOfMemory = true;
        // bubblewrap's own errors (missing paths, namespaces refused) explain a failed start.
        if (!this.#isReady && this.#stderrTail.push(line.slice(0, 500)) > 5) this.#stderrTail.shift();
      }
      this.#log(this.#soleInvocation(), level, line);
    });
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => lines.push(chunk));
    stream.on("end", () => lines.end());
    stream.on("error", () => {}); // the process's end is reported by "close"
  }

  /** Raw stdout/stderr lines carry no request id: they are the invocation's only when it runs alone. */
  #soleInvocation(): Invocation | null {
    if (this.#invocations.size !== 1) return null;
    return this.#invocations.values().next().value ?? null;
  }

  #terminate(reason: ExitReason, detail: string): void {
    if (!this.alive) return;
    this.#dying = { reason, detail };
    // Killing bubblewrap ends the namespace's init, and with it every process in the pid
    // namespace; cgroup.kill (v2) does the same from the cgroup side. The process group covers
    // the development mode, which has no pid namespace.
    // Once node has reaped the child, its pid (and group id) may belong to another process.
    const reaped = this.#child.exitCode !== null || this.#child.signalCode !== null;
    if (!reaped && this.#child.pid !== undefined) {
      this.#child.kill("SIGKILL");
      try {
        process.kill(-this.#child.pid, "SIGKILL");
      } catch {
        // The group is already gone.
      }
    }
    this.#cgroup?.killAll();
  }

  async #onClose(code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.#exit !== undefined) return;
    const oom = this.#heapOutOfMemory || this.#cgroup?.oomKilled() === true;
    const reason: ExitReason = this.#dying?.reason === "timeout" ? "timeout" : oom ? "oom" : (this.#dying?.reason ?? "exited");
    const exit: SandboxExit = { code, signal, reason };
    this.#exit = exit;
    if (this.#load !== undefined) clearTimeout(this.#load.timer);
    for (const invocation of this.#invocations.values()) clearTimeout(invocation.timer);
    // Removing the cgroup succeeds only once its last process is gone, so callers that see the
    // rejection below know the sandbox is gone completely.
    await this.#cgroup?.remove().catch((e: Error) => warnOnce(this.#options, `a sandbox cgroup was not removed: ${e.message}`));
    await removeWorkDir(this.#workDir).catch(() => {});
    const error = deathError(reason, this.#dying?.detail ?? `it exited (code ${code}, signal ${signal})`);
    this.#ready.reject(error);
    this.#ready.promise.catch(() => {});
    this.#load?.done.reject(error);
    for (const invocation of this.#invocations.values()) invocation.done.reject(error);
    this.#load = undefined;
    this.#invocations.clear();
    // The refusals folded in the last window are reported before the sandbox is said to be gone.
    this.#refusedCalls?.flush();
    this.#finished.resolve();
    for (const listener of this.#exitListeners.splice(0)) notify(this.#options, "an onExit listener", () => listener(exit));
  }
}

function checkProfile(profile: SandboxProfile): void {
  if (!Number.isSafeInteger(profile.memoryBytes) || profile.memoryBytes < MIN_MEMORY_BYTES) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `a sandbox needs at least ${MIN_MEMORY_BYTES} bytes of memory`);
  }
}

/** The request id a call or log line is tagged with, and what the platform attached to its invocation. */
function taggedWith(invocation: Invocation | null): { invocationId: string | null; invocation?: unknown } {
  if (invocation === null) return { invocationId: null };
  return invocation.attachment === undefined ? { invocationId: invocation.requestId } : { invocationId: invocation.requestId, invocation: invocation.attachment };
}

/** The platform's callbacks must not be a way for sandbox content to crash the platform. */
function notify(options: SandboxOptions, name: string, callback: () => void): void {
  try {
    callback();
  } catch (e) {
    warnOnce(options, `${name} failed: ${(e as Error).message}`);
  }
}

function warnOnce(options: SandboxOptions, message: string): void {
  if (options.onWarning !== undefined) return options.onWarning(message);
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, "BulwarkSandboxWarning");
}

// The sandbox module's public option and event types (see sandbox.ts for the class).

import type { LogLevel } from "./protocol.ts";

/** The per-function switches of a sandbox. */
export interface SandboxProfile {
  /** cgroup memory limit (V8's heap is sized below it); at least MIN_MEMORY_BYTES. */
  memoryBytes: number;
  /** Allows child processes (node's --allow-child-process, the host's /usr, a larger pids cap). */
  childProcesses: boolean;
  /** Makes the private /tmp writable (otherwise it is a read-only empty tmpfs). */
  tmpWrite: boolean;
}

export interface SandboxOptions {
  profile: SandboxProfile;
  /** Host path of the pinned node binary. */
  nodePath: string;
  /** Host directory holding runtime.mjs (buildRuntime), bound read-only at /runtime. */
  runtimeDir: string;
  /** Host directory private to this sandbox, created and removed by it; bundle/ is /bundle. */
  workDir: string;
  /** Runs node directly without bubblewrap (development only; same protocol). */
  insecureNoSandbox?: boolean;
  /**
   * The function's console.* (tagged with the invocation's request id) and raw stdout/stderr lines.
   * `invocation` is what the platform attached to that invocation when it started it (invoke()).
   */
  onLog?(entry: { id: string | null; level: LogLevel; msg: string; invocation?: unknown }): void;
  /**
   * The broker: reject with a BulwarkError to send a typed error. Default: BWK_PERMISSION_DENIED.
   * `running` holds the attachments of every invocation the sandbox runs now: code in a sandbox
   * can claim any of them for a call, so what must not be evaded (call depth) is judged on all.
   */
  onCall?(call: { op: string; args: unknown[]; invocationId: string | null; invocation?: unknown; running: unknown[] }): Promise<unknown>;
  /**
   * A frame the runtime never sends (malformed, forged ids, out of order): code in the sandbox is
   * writing to its channel. Called once, before the sandbox is ended for it, whether or not an
   * invocation is running (`requestIds`: those it was running), so the attempt is always on record.
   */
  onViolation?(violation: { detail: string; requestIds: string[] }): void;
  /**
   * Calls refused for passing `limit` in flight at once. Called for the first refusal of a burst
   * (one per sandbox per window): its op and request (null outside an invocation), and how many
   * refusals were folded since the previous report.
   */
  onCallsRefused?(refused: { op: string; requestId: string | null; limit: number; suppressed: number }): void;
  // Extensions, all optional.
  /** Default /usr/bin/bwrap. */
  bwrapPath?: string;
  /** Time for the sandbox to say "ready" (default 10 s). */
  startTimeoutMs?: number;
  /** RLIMIT_CPU over the sandbox's whole warm life: a backstop for a hung platform; the wall clock is the real limit (default 3600). */
  cpuSeconds?: number;
  /** Size of the private /tmp when profile.tmpWrite (default 64 MiB, counted in the memory limit). */
  tmpBytes?: number;
  /** Platform-side warnings (cgroups unavailable); default process.emitWarning, once each. */
  onWarning?(message: string): void;
}

export type ExitReason = "exited" | "killed" | "oom" | "timeout";

export interface SandboxExit {
  code: number | null;
  signal: string | null;
  reason: ExitReason;
}

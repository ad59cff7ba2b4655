// The command line of one sandbox: a tiny shell launcher that joins the sandbox's cgroups and sets
// its rlimits BEFORE anything of the sandbox runs (so nothing can fork out from under a limit),
// drops from root to an unprivileged uid, and execs bubblewrap, which execs the pinned node on
// the runtime. Everything here is argv: no string is ever interpolated into the shell script.

import type { SandboxProfile } from "./types.ts";
import type { LibraryMount } from "./node-libs.ts";
import { existsSync, lstatSync, readlinkSync } from "node:fs";

/** The uid/gid the sandbox runs as, inside and (when the platform is root) outside: nobody. */
export const SANDBOX_UID = 65534;

/** Paths inside the sandbox. */
const NODE_INSIDE = "/node/bin/node";
const RUNTIME_INSIDE = "/runtime";
const BUNDLE_INSIDE = "/bundle";

export interface LaunchInput {
  profile: SandboxProfile;
  nodePath: string;
  libraries: LibraryMount[];
  runtimeDir: string;
  bundleDir: string;
  insecureNoSandbox: boolean;
  bwrapPath: string;
  /** cgroup.procs files the launcher writes its own pid into. */
  procsFiles: string[];
  cpuSeconds: number;
  tmpBytes: number;
  /** Drop to SANDBOX_UID before bubblewrap runs; set when the platform runs as root. */
  dropPrivileges: boolean;
  /** A seccomp BPF program for bubblewrap to install, delivered on SECCOMP_FD. */
  seccomp: Buffer | undefined;
}

/** The child's fd that carries the seccomp program to bubblewrap (which closes it after use). */
export const SECCOMP_FD = 4;

export interface LaunchCommand {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** Where the runtime finds the bundle directory. */
  bundleDir: string;
  /** Bytes to write to SECCOMP_FD, when the command expects them. */
  seccomp: Buffer | undefined;
}

// $1 cpu seconds, $2 the highest descriptor the sandbox keeps, $3 number of cgroup.procs files,
// then the files, then the command. `set -e`: a sandbox that cannot join its cgroup does not start.
const LAUNCHER = [
  "set -e",
  'ulimit -t "$1"',
  "ulimit -c 0",
  'keep="$2"',
  'n="$3"',
  "shift 3",
  'while [ "$n" -gt 0 ]; do echo $$ > "$1"; shift; n=$((n - 1)); done',
  // Descriptors the platform inherited without close-on-exec would pass into the sandbox
  // (CWE-403): only stdio, the channel and the seccomp program may. Names are digits only.
  'for fd in /proc/$$/fd/*; do fd="${fd##*/}"; if [ "$fd" -gt "$keep" ]; then eval "exec $fd>&-" 2>/dev/null || true; fi; done',
  'exec "$@"',
].join("\n");

/** bash closes descriptors above 9 (dash cannot); every Debian, Ubuntu and Fedora has it. */
const SHELL = existsSync("/bin/bash") ? "/bin/bash" : "/bin/sh";

export function launchCommand(input: LaunchInput): LaunchCommand {
  const inside = input.insecureNoSandbox
    ? { node: input.nodePath, runtime: input.runtimeDir, bundle: input.bundleDir }
    : { node: NODE_INSIDE, runtime: RUNTIME_INSIDE, bundle: BUNDLE_INSIDE };
  const env = sandboxEnv();
  const node = [inside.node, ...nodeFlags(input.profile, inside.runtime, inside.bundle), `${inside.runtime}/runtime.mjs`];
  const command = input.insecureNoSandbox ? node : [input.bwrapPath, ...bwrapArgs(input, env), "--", ...node];
  const seccomp = input.insecureNoSandbox ? undefined : input.seccomp;
  const keep = seccomp === undefined ? 3 : SECCOMP_FD;
  const args = ["-c", LAUNCHER, "bulwark-sandbox", String(input.cpuSeconds), String(keep), String(input.procsFiles.length), ...input.procsFiles];
  if (input.dropPrivileges) args.push(...dropPrivileges());
  args.push(...command);
  return { file: SHELL, args, env: input.insecureNoSandbox ? env : {}, bundleDir: inside.bundle, seccomp };
}

function sandboxEnv(): Record<string, string> {
  // Nothing of the platform's environment: secrets reach functions only through the broker.
  // HOME keeps os.homedir() from failing (there is no /etc/passwd inside). Without PATH, a
  // program name resolves in /bin:/usr/bin (the libc default).
  return { NODE_ENV: "production", HOME: "/tmp" };
}

/** V8's old space is sized under the cgroup limit so a heap bomb usually meets V8's clean error first. */
export function heapMiB(memoryBytes: number): number {
  const mib = Math.floor(memoryBytes / (1024 * 1024));
  return Math.max(16, Math.floor(mib * 0.75) - 16);
}

function nodeFlags(profile: SandboxProfile, runtimeDir: string, bundleDir: string): string[] {
  // The permission model is the second wall inside the namespaces: reads only of the runtime
  // and the bundle, no writes, no child processes, workers, addons or WASI unless granted.
  const flags = ["--permission", `--allow-fs-read=${runtimeDir}`, `--allow-fs-read=${bundleDir}`];
  if (profile.tmpWrite) flags.push("--allow-fs-read=/tmp", "--allow-fs-write=/tmp");
  if (profile.childProcesses) flags.push("--allow-child-process");
  flags.push(`--max-old-space-size=${heapMiB(profile.memoryBytes)}`, "--disable-warning=ExperimentalWarning", "--disable-warning=SecurityWarning");
  return flags;
}

function bwrapArgs(input: LaunchInput, env: Record<string, string>): string[] {
  const args = [
    "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
    // No nested user namespaces: they are the usual door to kernel attack surface.
    "--disable-userns",
    "--uid", String(SANDBOX_UID), "--gid", String(SANDBOX_UID), "--hostname", "bulwark",
    "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv",
  ];
  for (const [name, value] of Object.entries(env)) args.push("--setenv", name, value);
  if (input.seccomp !== undefined) args.push("--seccomp", String(SECCOMP_FD));
  args.push("--ro-bind", input.nodePath, NODE_INSIDE);
  if (input.profile.childProcesses) {
    // A function allowed to run programs gets the system's programs, still without /etc.
    args.push(...systemDirs());
  } else {
    for (const lib of input.libraries) args.push("--ro-bind", lib.source, lib.target);
  }
  args.push("--ro-bind", input.runtimeDir, RUNTIME_INSIDE, "--ro-bind", input.bundleDir, BUNDLE_INSIDE);
  args.push("--proc", "/proc", "--dev", "/dev");
  // tmpfs size 0 means unlimited, so a read-only /tmp still gets a small explicit size.
  args.push("--size", String(input.profile.tmpWrite ? Math.max(4096, input.tmpBytes) : 4096), "--tmpfs", "/tmp");
  if (!input.profile.tmpWrite) args.push("--remount-ro", "/tmp");
  args.push("--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp");
  return args;
}

function systemDirs(): string[] {
  const args = ["--ro-bind", "/usr", "/usr"];
  for (const dir of ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"]) {
    if (!existsSync(dir)) continue;
    // Merged-/usr systems have these as symlinks into /usr; others as real directories.
    if (lstatSync(dir).isSymbolicLink()) args.push("--symlink", readlinkSync(dir), dir);
    else args.push("--ro-bind", dir, dir);
  }
  return args;
}

function dropPrivileges(): string[] {
  const setpriv = ["/usr/bin/setpriv", "/bin/setpriv"].find((path) => existsSync(path));
  if (setpriv === undefined) throw new Error("setpriv is missing: install util-linux (apt-get install util-linux)");
  const id = String(SANDBOX_UID);
  // Off root before bubblewrap: if the sandbox ever got out of its namespaces it would be
  // nobody on the host, not root. The parent-death signal ends the sandbox with the platform.
  return [setpriv, "--reuid", id, "--regid", id, "--clear-groups", "--no-new-privs", "--pdeathsig", "KILL", "--"];
}

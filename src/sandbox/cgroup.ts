// Per-sandbox control groups: the memory limit (the kernel OOM-kills the sandbox, not the host)
// and the pids limit (a fork bomb hits pids.max instead of the host's process table; CWE-400).
// Both cgroup v1 (one hierarchy per controller) and v2 (unified) are supported. A sandbox's
// cgroup is created as a child of the platform's own cgroup, so the platform needs write access
// there (root, or a delegated cgroup such as systemd's Delegate=yes). Without it sandboxes still
// run, with the V8 heap flag as the only memory bound, and the caller is warned.

import { randomUUID } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync, mkdirSync, rmdirSync, existsSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";

export interface CgroupLimits {
  memoryBytes: number;
  pids: number;
}

/** The cgroups of one sandbox. `procsFiles` are written with the launcher's pid before node starts. */
export interface SandboxCgroup {
  readonly procsFiles: string[];
  memoryUsageBytes(): number | undefined;
  /** True once the kernel OOM-killed a process of this sandbox. */
  oomKilled(): boolean;
  /** Kills every process in the cgroup where the kernel can do it atomically (v2 cgroup.kill). */
  killAll(): void;
  /** Removes the cgroups once their processes are gone (retries while the kernel reaps them). */
  remove(): Promise<void>;
}

/** Where this process's sandbox cgroups go: v1 per-controller directories, or one v2 directory. */
export type CgroupLayout =
  | { kind: "v1"; memory: string; pids: string | undefined }
  | { kind: "v2"; dir: string }
  | { kind: "none"; reason: string };

let cachedLayout: CgroupLayout | undefined;
let swept = false;

/** Creates the cgroups for one sandbox, or returns a reason why sandboxes run without them. */
export function createSandboxCgroup(limits: CgroupLimits): SandboxCgroup | { unavailable: string } {
  const layout = cachedLayout ?? (cachedLayout = detectLayout((path) => readFileSync(path, "utf8")));
  // The platform's pid in the name lets a later platform remove what a killed one left behind.
  const name = `bulwark-${process.pid}-${randomUUID()}`;
  try {
    if (!swept) sweepStale(layout);
    if (layout.kind === "v1") return createV1(layout.memory, layout.pids, name, limits);
    if (layout.kind === "v2") return createV2(layout.dir, name, limits);
    return { unavailable: layout.reason };
  } catch (e) {
    return { unavailable: `cannot create a cgroup for the sandbox (${(e as Error).message}); run the platform as root or in a delegated cgroup` };
  }
}

/** Removes empty sandbox cgroups of platform processes that no longer exist. */
function sweepStale(layout: CgroupLayout): void {
  swept = true;
  const parents = layout.kind === "v1" ? [layout.memory, layout.pids] : layout.kind === "v2" ? [layout.dir] : [];
  for (const parent of parents) {
    if (parent === undefined) continue;
    for (const entry of readdirSync(parent)) {
      const owner = /^bulwark-(\d+)-/.exec(entry)?.[1];
      if (owner !== undefined && !processExists(Number(owner))) rmdirQuietly(`${parent}/${entry}`);
    }
  }
}

function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

interface CgroupMount {
  fstype: string;
  root: string;
  mountPoint: string;
  superOptions: string[];
}

/** Finds this process's own cgroup for the memory and pids controllers; `read` reads a file. */
export function detectLayout(read: (path: string) => string): CgroupLayout {
  let mounts: CgroupMount[];
  let membership: string[];
  try {
    mounts = parseMountInfo(read("/proc/self/mountinfo"));
    membership = read("/proc/self/cgroup").split("\n").filter(Boolean);
  } catch {
    return { kind: "none", reason: "/proc/self/mountinfo or /proc/self/cgroup is not readable" };
  }
  const v1Dir = (controller: string): string | undefined => {
    const mount = mounts.find((m) => m.fstype === "cgroup" && m.superOptions.includes(controller));
    const line = membership.find((l) => l.split(":")[1]?.split(",").includes(controller));
    if (mount === undefined || line === undefined) return undefined;
    return join(mount.mountPoint, relativeTo(line.split(":").slice(2).join(":"), mount.root));
  };
  const memory = v1Dir("memory");
  if (memory !== undefined) return { kind: "v1", memory, pids: v1Dir("pids") };

  const unified = mounts.find((m) => m.fstype === "cgroup2");
  const line = membership.find((l) => l.startsWith("0::"));
  if (unified === undefined || line === undefined) return { kind: "none", reason: "no cgroup memory controller is mounted" };
  const dir = join(unified.mountPoint, relativeTo(line.slice(3), unified.root));
  let controllers: string[];
  try {
    controllers = read(`${dir}/cgroup.controllers`).split(/\s+/);
  } catch {
    return { kind: "none", reason: `${dir}/cgroup.controllers is not readable` };
  }
  if (!controllers.includes("memory")) return { kind: "none", reason: `the memory controller is not delegated to ${dir}` };
  return { kind: "v2", dir };
}

function parseMountInfo(text: string): CgroupMount[] {
  const mounts: CgroupMount[] = [];
  for (const line of text.split("\n")) {
    const [left, right] = line.split(" - ");
    if (left === undefined || right === undefined) continue;
    const fields = left.split(" ");
    const [fstype, , superOptions] = right.split(" ");
    if (fstype !== "cgroup" && fstype !== "cgroup2") continue;
    mounts.push({
      fstype,
      root: unescapeMountPath(fields[3] ?? "/"),
      mountPoint: unescapeMountPath(fields[4] ?? ""),
      superOptions: (superOptions ?? "").split(","),
    });
  }
  return mounts;
}

/** mountinfo escapes space, tab, newline and backslash as octal (proc(5)). */
function unescapeMountPath(path: string): string {
  return path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function relativeTo(path: string, root: string): string {
  if (root === "/") return path;
  return path.startsWith(root) ? path.slice(root.length) || "/" : path;
}

function join(base: string, path: string): string {
  return path === "/" ? base : `${base}${path}`;
}

function createV1(memoryParent: string, pidsParent: string | undefined, name: string, limits: CgroupLimits): SandboxCgroup {
  const memory = `${memoryParent}/${name}`;
  mkdirSync(memory);
  const dirs = [memory];
  try {
    writeFileSync(`${memory}/memory.limit_in_bytes`, String(limits.memoryBytes));
    // memsw bounds memory+swap, so the sandbox cannot page out past its limit; it exists only
    // when swap accounting is on.
    if (existsSync(`${memory}/memory.memsw.limit_in_bytes`)) writeFileSync(`${memory}/memory.memsw.limit_in_bytes`, String(limits.memoryBytes));
    if (pidsParent !== undefined) {
      const pids = `${pidsParent}/${name}`;
      mkdirSync(pids);
      dirs.push(pids);
      writeFileSync(`${pids}/pids.max`, String(limits.pids));
    }
  } catch (e) {
    for (const dir of dirs.reverse()) rmdirQuietly(dir);
    throw e;
  }
  return {
    procsFiles: dirs.map((dir) => `${dir}/cgroup.procs`),
    memoryUsageBytes: () => readNumber(`${memory}/memory.usage_in_bytes`),
    oomKilled: () => (readKeyed(`${memory}/memory.oom_control`, "oom_kill") ?? 0) > 0,
    // v1 has no atomic kill; the sandbox's pid namespace ends every process when its init dies.
    killAll: () => {},
    remove: () => removeDirs(dirs),
  };
}

function createV2(parent: string, name: string, limits: CgroupLimits): SandboxCgroup {
  enableV2Controllers(parent);
  const dir = `${parent}/${name}`;
  mkdirSync(dir);
  try {
    writeFileSync(`${dir}/memory.max`, String(limits.memoryBytes));
    if (existsSync(`${dir}/memory.swap.max`)) writeFileSync(`${dir}/memory.swap.max`, "0");
    // One OOM kill takes the whole sandbox down instead of leaving a half-dead process tree.
    writeFileSync(`${dir}/memory.oom.group`, "1");
    writeFileSync(`${dir}/pids.max`, String(limits.pids));
  } catch (e) {
    rmdirQuietly(dir);
    throw e;
  }
  return {
    procsFiles: [`${dir}/cgroup.procs`],
    memoryUsageBytes: () => readNumber(`${dir}/memory.current`),
    oomKilled: () => (readKeyed(`${dir}/memory.events`, "oom_kill") ?? 0) > 0,
    killAll: () => {
      try {
        writeFileSync(`${dir}/cgroup.kill`, "1");
      } catch {
        // cgroup.kill needs Linux 5.14; the pid namespace still ends every process.
      }
    },
    remove: () => removeDirs([dir]),
  };
}

/**
 * cgroup v2 allows controllers in children only when the parent holds no processes itself
 * ("no internal processes", Documentation/admin-guide/cgroup-v2.rst). When the platform is the
 * only process of its delegated cgroup, it moves itself into a leaf so its sandboxes can have
 * memory and pids limits.
 */
function enableV2Controllers(parent: string): void {
  const enabled = readFileSync(`${parent}/cgroup.subtree_control`, "utf8").split(/\s+/);
  if (enabled.includes("memory") && enabled.includes("pids")) return;
  try {
    writeFileSync(`${parent}/cgroup.subtree_control`, "+memory +pids");
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EBUSY") throw e;
  }
  const members = readFileSync(`${parent}/cgroup.procs`, "utf8").split("\n").filter(Boolean);
  if (members.length !== 1 || members[0] !== String(process.pid)) {
    throw new Error(`${parent} holds other processes, so it cannot delegate the memory controller`);
  }
  mkdirSync(`${parent}/bulwark-platform`, { recursive: true });
  writeFileSync(`${parent}/bulwark-platform/cgroup.procs`, String(process.pid));
  writeFileSync(`${parent}/cgroup.subtree_control`, "+memory +pids");
}

async function removeDirs(dirs: string[]): Promise<void> {
  for (const dir of dirs) {
    // rmdir fails with EBUSY until the kernel has reaped the last task of the cgroup.
    for (let attempt = 0; ; attempt++) {
      try {
        rmdirSync(dir);
        break;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT") break;
        if (code !== "EBUSY" || attempt >= 200) throw e;
        await sleep(5);
      }
    }
  }
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Best effort while undoing a half-created cgroup.
  }
}

function readNumber(file: string): number | undefined {
  try {
    const value = Number(readFileSync(file, "utf8").trim());
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function readKeyed(file: string, key: string): number | undefined {
  try {
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const [name, value] = line.split(" ");
      if (name === key) return Number(value);
    }
  } catch {
    // The cgroup is already gone.
  }
  return undefined;
}

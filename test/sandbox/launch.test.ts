// The sandbox command line: the isolation that every sandbox gets, whatever its profile.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { heapMiB, launchCommand } from "../../src/sandbox/launch.ts";
import type { LaunchInput } from "../../src/sandbox/launch.ts";

const MiB = 1024 * 1024;

function command(overrides: Partial<LaunchInput> = {}, profile: Partial<LaunchInput["profile"]> = {}) {
  return launchCommand({
    profile: { memoryBytes: 128 * MiB, childProcesses: false, tmpWrite: false, ...profile },
    nodePath: "/opt/node/bin/node",
    libraries: [{ source: "/usr/lib/x86_64-linux-gnu/libc.so.6", target: "/lib/x86_64-linux-gnu/libc.so.6" }],
    runtimeDir: "/data/runtime",
    bundleDir: "/data/sandboxes/a/bundle",
    insecureNoSandbox: false,
    bwrapPath: "/usr/bin/bwrap",
    procsFiles: ["/sys/fs/cgroup/memory/bulwark-1/cgroup.procs"],
    cpuSeconds: 900,
    tmpBytes: 64 * MiB,
    dropPrivileges: true,
    seccomp: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]),
    ...overrides,
  });
}

/** The bwrap arguments between the bwrap path and "--". */
function bwrapArgs(args: string[]): string[] {
  const start = args.indexOf("/usr/bin/bwrap");
  return args.slice(start + 1, args.indexOf("--", start));
}

function pairs(args: string[], flag: string): string[][] {
  return args.flatMap((arg, i) => (arg === flag ? [args.slice(i + 1, i + 3)] : []));
}

describe("launchCommand", () => {
  it("unshares every namespace, drops capabilities, clears the environment and dies with the platform", () => {
    const bwrap = bwrapArgs(command().args);
    for (const flag of ["--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try", "--disable-userns", "--die-with-parent", "--new-session", "--clearenv"]) {
      assert.ok(bwrap.includes(flag), flag);
    }
    assert.deepEqual(pairs(bwrap, "--cap-drop"), [["ALL", "--clearenv"]]);
    assert.deepEqual(pairs(bwrap, "--setenv"), [["NODE_ENV", "production"], ["HOME", "/tmp"]]);
    assert.deepEqual(command().env, {});
  });

  it("mounts only node, its libraries, the runtime and the bundle, all read-only", () => {
    const bwrap = bwrapArgs(command().args);
    assert.deepEqual(pairs(bwrap, "--ro-bind"), [
      ["/opt/node/bin/node", "/node/bin/node"],
      ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/lib/x86_64-linux-gnu/libc.so.6"],
      ["/data/runtime", "/runtime"],
      ["/data/sandboxes/a/bundle", "/bundle"],
    ]);
    assert.deepEqual(pairs(bwrap, "--bind"), []);
    assert.ok(bwrap.includes("--remount-ro") && bwrap.at(-3) === "/");
  });

  it("gives /tmp a size, and makes it read-only without the tmp grant", () => {
    const readOnly = bwrapArgs(command().args);
    assert.deepEqual(pairs(readOnly, "--size")[0], ["4096", "--tmpfs"]);
    assert.ok(pairs(readOnly, "--remount-ro").some(([path]) => path === "/tmp"));
    const writable = bwrapArgs(command({}, { tmpWrite: true }).args);
    assert.deepEqual(pairs(writable, "--size")[0], [String(64 * MiB), "--tmpfs"]);
    assert.ok(!pairs(writable, "--remount-ro").some(([path]) => path === "/tmp"));
  });

  it("grants node's permission model only what the profile allows", () => {
    const none = command().args;
    assert.ok(none.includes("--permission"));
    assert.ok(!none.includes("--allow-child-process"));
    assert.ok(!none.some((arg) => arg.startsWith("--allow-fs-write")));
    const all = command({}, { childProcesses: true, tmpWrite: true }).args;
    assert.ok(all.includes("--allow-child-process") && all.includes("--allow-fs-write=/tmp"));
  });

  it("joins the cgroups and drops root before bubblewrap runs", () => {
    const { file, args } = command();
    assert.match(file, /^\/bin\/(ba)?sh$/);
    const bwrap = args.indexOf("/usr/bin/bwrap");
    assert.ok(args.indexOf("/sys/fs/cgroup/memory/bulwark-1/cgroup.procs") < bwrap);
    assert.ok(args.includes("--reuid") && args.indexOf("--reuid") < bwrap);
    assert.ok(!command({ dropPrivileges: false }).args.includes("--reuid"));
  });

  it("hands bubblewrap the seccomp filter on its own descriptor", () => {
    const withFilter = command();
    assert.deepEqual(pairs(bwrapArgs(withFilter.args), "--seccomp")[0]?.[0], "4");
    assert.deepEqual(withFilter.seccomp, Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]));
    assert.ok(!command({ seccomp: undefined }).args.includes("--seccomp"));
  });

  it("sizes the V8 heap below the memory limit", () => {
    for (const mib of [32, 64, 128, 1024]) assert.ok(heapMiB(mib * MiB) < mib);
  });
});

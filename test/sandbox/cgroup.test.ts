// Finding the platform's own cgroup on v1 and v2 machines, and creating a sandbox cgroup on
// this one.

import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { describe, it } from "node:test";
import { createSandboxCgroup, detectLayout } from "../../src/sandbox/cgroup.ts";

function files(map: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = map[path];
    if (text === undefined) throw Object.assign(new Error(`ENOENT ${path}`), { code: "ENOENT" });
    return text;
  };
}

const V1_MOUNTS = `31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

describe("detectLayout", () => {
  it("finds the per-controller directories on cgroup v1", () => {
    const layout = detectLayout(files({
      "/proc/self/mountinfo": V1_MOUNTS,
      "/proc/self/cgroup": "8:pids:/\n4:memory:/process_api/abc\n0::/\n",
    }));
    assert.deepEqual(layout, { kind: "v1", memory: "/sys/fs/cgroup/memory/process_api/abc", pids: "/sys/fs/cgroup/pids" });
  });

  it("finds the unified directory on cgroup v2", () => {
    const layout = detectLayout(files({
      "/proc/self/mountinfo": "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n",
      "/proc/self/cgroup": "0::/system.slice/bulwark.service\n",
      "/sys/fs/cgroup/system.slice/bulwark.service/cgroup.controllers": "cpu io memory pids\n",
    }));
    assert.deepEqual(layout, { kind: "v2", dir: "/sys/fs/cgroup/system.slice/bulwark.service" });
  });

  it("maps a cgroup path under a mount whose root is not / (a container's bind mount)", () => {
    const layout = detectLayout(files({
      "/proc/self/mountinfo": "30 23 0:26 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
      "/proc/self/cgroup": "0::/docker/abc/app\n",
      "/sys/fs/cgroup/app/cgroup.controllers": "memory pids\n",
    }));
    assert.deepEqual(layout, { kind: "v2", dir: "/sys/fs/cgroup/app" });
  });

  it("reports why there is no usable layout", () => {
    const noMemory = detectLayout(files({
      "/proc/self/mountinfo": "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n",
      "/proc/self/cgroup": "0::/user.slice\n",
      "/sys/fs/cgroup/user.slice/cgroup.controllers": "cpu pids\n",
    }));
    assert.equal(noMemory.kind, "none");
    assert.equal(detectLayout(files({ "/proc/self/mountinfo": "", "/proc/self/cgroup": "" })).kind, "none");
  });
});

describe("createSandboxCgroup on this machine", () => {
  it("creates limited cgroups and removes them", async (t) => {
    const cgroup = createSandboxCgroup({ memoryBytes: 64 * 1024 * 1024, pids: 32 });
    if ("unavailable" in cgroup) return t.skip(cgroup.unavailable);
    const dirs = cgroup.procsFiles.map((file) => dirname(file));
    for (const dir of dirs) {
      for (const [file, value] of [["memory.limit_in_bytes", "67108864"], ["memory.max", "67108864"], ["pids.max", "32"]]) {
        if (existsSync(`${dir}/${file}`)) assert.equal(readFileSync(`${dir}/${file}`, "utf8").trim(), value);
      }
    }
    assert.equal(cgroup.oomKilled(), false);
    assert.equal(typeof cgroup.memoryUsageBytes(), "number");
    await cgroup.remove();
    assert.ok(dirs.every((dir) => !existsSync(dir)));
  });
});

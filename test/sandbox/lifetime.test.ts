// A sandbox never outlives the platform that started it, and the development mode without
// bubblewrap speaks the same protocol.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { closeSync, openSync, writeFileSync } from "node:fs";
import { once } from "node:events";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { buildRuntime } from "../../src/sandbox/runtime-build.ts";
import { checkSandboxSupport } from "../../src/sandbox/sandbox.ts";
import { NODE_PATH, TestBench, context, processExists } from "./helpers.ts";

let bench: TestBench;
before(() => {
  bench = new TestBench();
});
after(() => bench.close());

describe("sandbox lifetime", () => {
  it("dies with the platform: SIGKILL of the platform process leaves no sandbox process behind", async () => {
    const { platform, pids } = await startPlatform();
    assert.ok(pids.length >= 3, `bwrap, its init and node: ${pids.join(",")}`);
    assert.ok(pids.every(processExists));
    platform.kill("SIGKILL");
    await once(platform, "close");
    for (let waited = 0; waited < 5000 && pids.some(processExists); waited += 20) await sleep(20);
    assert.deepEqual(pids.filter(processExists), []);
  });

  it("passes none of the platform's inherited descriptors into the sandbox", async () => {
    const secret = join(bench.dir, "host-secret");
    writeFileSync(secret, "host secret");
    const fd = openSync(secret, "r");
    try {
      // The platform inherits this descriptor without close-on-exec, as from a careless parent.
      const { platform, descriptors } = await startPlatform(fd);
      platform.kill("SIGKILL");
      assert.ok(descriptors.length > 0);
      assert.equal(descriptors.includes(secret), false);
    } finally {
      closeSync(fd);
    }
  });
});

async function startPlatform(inherited?: number): Promise<{ platform: ChildProcess; pids: number[]; descriptors: string[] }> {
  const runtimeDir = join(await buildRuntime(join(bench.dir, "runtime-platform")), "..");
  const fixture = new URL("./fixtures/platform.ts", import.meta.url).pathname;
  const platform = spawn(process.execPath, [fixture, NODE_PATH, runtimeDir, join(bench.dir, `platform-${inherited ?? 0}`)], {
    stdio: ["ignore", "pipe", "inherit", ...(inherited === undefined ? [] : ["ignore" as const, inherited])],
  });
  const [line] = (await once(platform.stdout!, "data")) as [Buffer];
  return { platform, ...(JSON.parse(line.toString()) as { pids: number[]; descriptors: string[] }) };
}

describe("insecureNoSandbox (development only)", () => {
  it("runs the same runtime and protocol without bubblewrap", async () => {
    const sandbox = await bench.load(`export const handler = (event, ctx) => ({ echo: event, id: ctx.requestId });`, { insecureNoSandbox: true });
    assert.deepEqual(await sandbox.invoke("x", context({ requestId: "r-dev" }), 5000), { echo: "x", id: "r-dev" });
  });
});

describe("checkSandboxSupport", () => {
  it("reports ok on a machine with bubblewrap and user namespaces", async () => {
    assert.deepEqual(await checkSandboxSupport(NODE_PATH), { ok: true });
  });

  it("says what to install when bubblewrap is missing", async () => {
    const result = await checkSandboxSupport(NODE_PATH, { bwrapPath: "/nonexistent/bwrap" });
    assert.equal(result.ok, false);
    if (!result.ok) assert.match(result.reason, /install bubblewrap/);
  });
});

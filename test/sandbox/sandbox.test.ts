// Sandbox lifecycle with real bubblewrap sandboxes: start, load, invoke, reuse, and every way
// an invocation can end badly. Each bad ending must end only that sandbox.

import assert from "node:assert/strict";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { TestBench, context, processExists } from "./helpers.ts";

let bench: TestBench;
before(() => {
  bench = new TestBench();
});
after(() => bench.close());

describe("Sandbox.invoke", () => {
  it("echoes the event through the handler", async () => {
    const sandbox = await bench.load(`export async function handler(event, ctx) { return { echo: event, fn: ctx.functionName }; }`);
    assert.deepEqual(await sandbox.invoke({ hello: "world" }, context(), 5000), { echo: { hello: "world" }, fn: "fn" });
  });

  it("reuses a warm sandbox: module state survives between invocations", async () => {
    const sandbox = await bench.load(`let count = 0; export const handler = () => ++count;`);
    assert.equal(await sandbox.invoke(null, context(), 5000), 1);
    assert.equal(await sandbox.invoke(null, context(), 5000), 2);
  });

  it("rejects BWK_HANDLER_ERROR when the handler throws, and the sandbox stays usable", async () => {
    const sandbox = await bench.load(`export async function handler(event) { if (event.fail) throw new TypeError("boom"); return "fine"; }`);
    await assert.rejects(sandbox.invoke({ fail: true }, context(), 5000), { code: "BWK_HANDLER_ERROR" });
    assert.equal(sandbox.alive, true);
    assert.equal(await sandbox.invoke({ fail: false }, context(), 5000), "fine");
  });

  it("rejects BWK_TIMEOUT for a busy loop, and every process of the sandbox is gone", async () => {
    const sandbox = await bench.load(`export function handler() { for (;;) {} }`);
    const pid = sandbox.pid!;
    const exits: string[] = [];
    sandbox.onExit((info) => exits.push(info.reason));
    await assert.rejects(sandbox.invoke(null, context(), 300), { code: "BWK_TIMEOUT" });
    assert.equal(sandbox.alive, false);
    assert.equal(processExists(pid), false);
    assert.deepEqual(exits, ["timeout"]);
  });

  it("rejects BWK_OUT_OF_MEMORY for a memory bomb", async () => {
    const sandbox = await bench.load(
      `export function handler() { const hog = []; for (;;) hog.push(new Array(1e5).fill({ x: Math.random() })); }`,
      { profile: { memoryBytes: 64 * 1024 * 1024 } },
    );
    await assert.rejects(sandbox.invoke(null, context(), 20_000), { code: "BWK_OUT_OF_MEMORY" });
    assert.equal(sandbox.alive, false);
  });

  it("rejects BWK_OUT_OF_MEMORY when memory outside the V8 heap hits the cgroup limit", async () => {
    const sandbox = await bench.load(
      `export function handler() { const hog = []; for (;;) hog.push(Buffer.alloc(1 << 20, 1)); }`,
      { profile: { memoryBytes: 64 * 1024 * 1024 } },
    );
    await assert.rejects(sandbox.invoke(null, context(), 20_000), { code: "BWK_OUT_OF_MEMORY" });
  });

  it("rejects BWK_SANDBOX_CRASHED when the function calls process.exit(1)", async () => {
    const sandbox = await bench.load(`export function handler() { process.exit(1); }`);
    const exited = new Promise((resolve) => sandbox.onExit(resolve));
    await assert.rejects(sandbox.invoke(null, context(), 5000), { code: "BWK_SANDBOX_CRASHED" });
    assert.equal(sandbox.alive, false);
    assert.equal(((await exited) as { reason: string }).reason, "exited");
  });

  it("rejects BWK_BAD_RESPONSE for a result JSON cannot encode, and the sandbox stays usable", async () => {
    const sandbox = await bench.load(`export function handler(event) { return event.ok ? "ok" : { big: 1n }; }`);
    await assert.rejects(sandbox.invoke({}, context(), 5000), { code: "BWK_BAD_RESPONSE" });
    assert.equal(await sandbox.invoke({ ok: true }, context(), 5000), "ok");
  });

  it("fails the invocation and discards the sandbox after an uncaught exception", async () => {
    const sandbox = await bench.load(`export function handler() { setTimeout(() => { throw new Error("late"); }, 1); return new Promise(() => {}); }`);
    await assert.rejects(sandbox.invoke(null, context(), 5000), { code: "BWK_HANDLER_ERROR" });
    await new Promise((resolve) => sandbox.onExit(resolve));
    assert.equal(sandbox.alive, false);
  });

  it("fails the invocation after an unhandled rejection", async () => {
    const sandbox = await bench.load(`export function handler() { Promise.reject(new Error("nobody catches")); return new Promise(() => {}); }`);
    await assert.rejects(sandbox.invoke(null, context(), 5000), { code: "BWK_HANDLER_ERROR" });
  });

  it("runs invocations side by side, each answered with its own result, even under one request id", async () => {
    const sandbox = await bench.load(`export const handler = (event) => new Promise((r) => setTimeout(() => r(event.n * 10), 50 - event.n * 10));`);
    const started = [1, 2, 3].map((n) => sandbox.invoke({ n }, context({ requestId: "same" }), 5000));
    assert.equal(sandbox.running, 3);
    assert.deepEqual(await Promise.all(started), [10, 20, 30]);
    assert.equal(sandbox.running, 0);
  });

  it("a timeout kills the sandbox and fails every invocation it was running", async () => {
    const sandbox = await bench.load(`export const handler = (event) => new Promise((r) => setTimeout(r, event.ms));`);
    const slow = sandbox.invoke({ ms: 60_000 }, context(), 300);
    const other = sandbox.invoke({ ms: 60_000 }, context(), 5000);
    await assert.rejects(slow, { code: "BWK_TIMEOUT" });
    await assert.rejects(other);
    assert.equal(sandbox.alive, false);
  });
});

describe("Sandbox.load", () => {
  it("rejects BWK_HANDLER_ERROR when the bundle has no such export", async () => {
    const file = await bench.bundle(`export const other = () => 1;`);
    const sandbox = await bench.start();
    await assert.rejects(sandbox.load(file, "handler"), { code: "BWK_HANDLER_ERROR" });
    assert.equal(sandbox.loaded, false);
  });

  it("rejects BWK_HANDLER_ERROR when the module throws while importing", async () => {
    const file = await bench.bundle(`throw new Error("bad init"); export const handler = () => 1;`);
    const sandbox = await bench.start();
    await assert.rejects(sandbox.load(file, "handler"), { code: "BWK_HANDLER_ERROR" });
  });

  it("finds a CommonJS-style handler (exports.handler) in the default export", async () => {
    const file = await bench.bundle(`exports.handler = async (event) => ({ cjs: event });`);
    const sandbox = await bench.start();
    await sandbox.load(file, "handler");
    assert.deepEqual(await sandbox.invoke(1, context(), 5000), { cjs: 1 });
  });

  it("rejects BWK_TIMEOUT when importing the bundle never finishes", async () => {
    const file = await bench.bundle(`await new Promise(() => { for (;;) {} }); export const handler = () => 1;`);
    const sandbox = await bench.start();
    await assert.rejects(sandbox.load(file, "handler", 300), { code: "BWK_TIMEOUT" });
    assert.equal(sandbox.alive, false);
  });

  it("refuses a second bundle", async () => {
    const sandbox = await bench.load(`export const handler = () => 1;`);
    const file = await bench.bundle(`export const handler = () => 2;`);
    await assert.rejects(sandbox.load(file, "handler"), { code: "BWK_INTERNAL" });
  });
});

describe("Sandbox.start", () => {
  it("rejects BWK_SANDBOX_UNAVAILABLE when the sandbox cannot start, and leaves nothing behind", async () => {
    const workDir = join(bench.dir, "never-started");
    await assert.rejects(bench.start({ workDir, nodePath: "/nonexistent/node" }), { code: "BWK_SANDBOX_UNAVAILABLE" });
    assert.equal(existsSync(workDir), false);
  });

  it("refuses a work directory that already exists (it would not be private)", async () => {
    const workDir = join(bench.dir, "taken");
    mkdirSync(workDir);
    await assert.rejects(bench.start({ workDir }), { code: "BWK_SANDBOX_UNAVAILABLE" });
    assert.equal(existsSync(workDir), true);
  });

  it("refuses a memory limit too small for node", async () => {
    await assert.rejects(bench.start({ profile: { memoryBytes: 1024 * 1024 } }), { code: "BWK_INVALID_ARGUMENT" });
  });
});

describe("Sandbox.kill", () => {
  it("is idempotent and removes the work directory", async () => {
    const workDir = join(bench.dir, "kill-me");
    const sandbox = await bench.start({ workDir });
    const pid = sandbox.pid!;
    assert.ok(existsSync(join(workDir, "bundle")));
    await Promise.all([sandbox.kill(), sandbox.kill()]);
    await sandbox.kill();
    assert.equal(sandbox.alive, false);
    assert.equal(sandbox.pid, undefined);
    assert.equal(processExists(pid), false);
    assert.equal(existsSync(workDir), false);
    await assert.rejects(sandbox.invoke(null, context(), 1000), { code: "BWK_SANDBOX_UNAVAILABLE" });
  });

  it("reports the sandbox's memory from its cgroup while it runs", async () => {
    const sandbox = await bench.start();
    const used = sandbox.memoryUsageBytes();
    if (used !== undefined) assert.ok(used > 0);
  });
});

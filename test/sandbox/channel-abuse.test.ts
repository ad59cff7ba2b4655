// A malicious function writes to its channel (fd 3) directly. Whatever it sends, only its own
// sandbox ends (BWK_SANDBOX_CRASHED) and the platform keeps serving other sandboxes.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BulwarkError } from "../../src/core/errors.ts";
import { MAX_LINE_CHARS } from "../../src/sandbox/output-lines.ts";
import { TestBench, context } from "./helpers.ts";

let bench: TestBench;
before(() => {
  bench = new TestBench();
});
after(() => bench.close());

/** A handler that writes `bytes` (an expression building a Buffer) straight to fd 3. */
const writesToChannel = (bytes: string) => `
import { writeSync } from "node:fs";
const frame = (message) => { const json = Buffer.from(JSON.stringify(message)); const head = Buffer.alloc(4); head.writeUInt32BE(json.length); return Buffer.concat([head, json]); };
export function handler(event, ctx) {
  writeSync(3, ${bytes});
  return new Promise(() => {});
}
`;

const ATTACKS: Record<string, string> = {
  "bytes that are not a frame": `Buffer.from([0, 0, 0, 5, 104, 101, 108, 108, 111])`,
  "a frame header announcing 4 GiB": `Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])`,
  "an unknown message type": `frame({ t: "pwn", cmd: "rm -rf /" })`,
  "a message of the right type with the wrong shape": `frame({ t: "call", id: "x", op: 1 })`,
  "a result for an invocation that does not exist": `frame({ t: "result", id: "someone-else", ok: true, value: 1 })`,
  "a log line for another invocation": `frame({ t: "log", id: "someone-else", level: "info", msg: "forged" })`,
  "a broker call claiming an invocation it is not running": `frame({ t: "call", id: 1, inv: "9999", op: "kv.get", args: ["ns", "k"] })`,
  "a second ready": `frame({ t: "ready" })`,
  "a load answer nobody asked for": `frame({ t: "loaded" })`,
  "a JSON array instead of an object": `frame([1, 2, 3])`,
};

describe("garbage on the channel from a malicious handler", () => {
  for (const [name, bytes] of Object.entries(ATTACKS)) {
    it(`ends only that sandbox and reports the violation: ${name}`, async () => {
      const bystander = await bench.load(`export const handler = (event) => ({ still: event });`);
      const violations: Array<{ detail: string; requestIds: string[] }> = [];
      const attacker = await bench.load(writesToChannel(bytes), { onViolation: (v) => violations.push(v) });
      const ctx = context();
      await assert.rejects(attacker.invoke(null, ctx, 10_000), { code: "BWK_SANDBOX_CRASHED" });
      assert.equal(attacker.alive, false);
      assert.equal(violations.length, 1);
      assert.deepEqual(violations[0]!.requestIds, [ctx.requestId]);
      assert.deepEqual(await bystander.invoke("serving", context(), 5000), { still: "serving" });
    });
  }
});

describe("a sandbox flooding the platform", () => {
  it("gets LimitExceeded for broker calls past the in-flight cap instead of unbounded work, reported once per burst", async () => {
    const reports: Array<{ op: string; requestId: string | null; limit: number; suppressed: number }> = [];
    let open = 0;
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sandbox = await bench.load(
      `export async function handler(event, ctx) {
        const results = await Promise.allSettled(Array.from({ length: 80 }, (_, i) => ctx.kv("ns").get("k" + i)));
        return results.map((r) => r.status === "fulfilled" ? "ok" : r.reason.name);
      }`,
      {
        onCall: async () => {
          open++;
          if (open === 64) setTimeout(release, 50);
          await gate;
          return "v";
        },
        onCallsRefused: (r) => reports.push(r),
      },
    );
    const ctx = context();
    const results = (await sandbox.invoke(null, ctx, 10_000)) as string[];
    assert.equal(results.filter((r) => r === "ok").length, 64);
    assert.equal(results.filter((r) => r === "LimitExceeded").length, 16);
    // 16 refusals, one report at once naming the request; the other 15 are folded into one more,
    // made when the window ends or, as here, when the sandbox goes: 1 + (1 + 14) refusals.
    assert.deepEqual(reports, [{ op: "kv.get", requestId: ctx.requestId, limit: 64, suppressed: 0 }]);
    await sandbox.kill();
    assert.deepEqual(reports.at(1), { op: "kv.get", requestId: ctx.requestId, limit: 64, suppressed: 14 });
    assert.equal(reports.length, 2);
  });

  it("cuts a never-ending stdout line into bounded log entries", async () => {
    const sandbox = await bench.load(`export async function handler() { await new Promise((r) => process.stdout.write("x".repeat(1 << 20), r)); return "done"; }`);
    assert.equal(await sandbox.invoke(null, context(), 10_000), "done");
    await sandbox.kill();
    const lines = sandbox.logs.filter((entry) => entry.msg.startsWith("x"));
    assert.ok(lines.length >= 64);
    assert.ok(lines.every((entry) => entry.msg.length <= MAX_LINE_CHARS));
  });

  it("keeps broker errors typed and platform faults opaque", async () => {
    const sandbox = await bench.load(
      `export async function handler(event, ctx) {
        const outcome = async (p) => p.then(() => "ok", (e) => [e.name, e.code, e.message]);
        return [await outcome(ctx.secrets.get("a")), await outcome(ctx.secrets.get("b"))];
      }`,
      {
        onCall: async (call) => {
          if (call.args[0] === "a") throw new BulwarkError("BWK_NOT_FOUND", "no secret a");
          throw new Error("database password is hunter2");
        },
      },
    );
    assert.deepEqual(await sandbox.invoke(null, context(), 5000), [
      ["NotFound", "BWK_NOT_FOUND", "no secret a"],
      ["Error", "BWK_INTERNAL", "internal error"],
    ]);
  });
});

describe("a sandbox running several invocations", () => {
  it("attack: a call tagged with a sibling invocation is judged with every invocation the sandbox runs", async () => {
    const calls: Array<{ invocation?: unknown; running: unknown[] }> = [];
    // The second invocation forges a call frame tagged with the first one's channel id ("1").
    const sandbox = await bench.load(
      `import { writeSync } from "node:fs";
      export async function handler(event) {
        if (event.first) return new Promise((r) => setTimeout(() => r("first"), 300));
        const json = Buffer.from(JSON.stringify({ t: "call", id: 999, inv: "1", op: "invoke", args: ["self", {}] }));
        const head = Buffer.alloc(4); head.writeUInt32BE(json.length);
        writeSync(3, Buffer.concat([head, json]));
        await new Promise((r) => setTimeout(r, 100));
        return "second";
      }`,
      { onCall: async (call) => void calls.push(call) },
    );
    const first = sandbox.invoke({ first: true }, context(), 5000, { depth: 0 });
    const second = sandbox.invoke({}, context(), 5000, { depth: 7 });
    assert.deepEqual(await Promise.all([first, second]), ["first", "second"]);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0]!.invocation, { depth: 0 });
    assert.deepEqual(calls[0]!.running, [{ depth: 0 }, { depth: 7 }]);
  });
});

describe("frames tagged with an invocation that has ended", () => {
  // The first invocation keeps its ctx; the second uses it, so the call carries the first one's
  // channel id ("1") after it returned, as a timer left running by a handler would. The log line is
  // written as the runtime writes one from such a timer (its async context is the ended one).
  const KEEPS_CTX = `
    import { writeSync } from "node:fs";
    let kept;
    export async function handler(event, ctx) {
      if (kept === undefined) { kept = ctx; return "kept"; }
      const json = Buffer.from(JSON.stringify({ t: "log", id: "1", level: "info", msg: "late line" }));
      const head = Buffer.alloc(4); head.writeUInt32BE(json.length);
      writeSync(3, Buffer.concat([head, json]));
      return kept.kv("ns").get("k").then(() => "answered", (e) => [e.name, e.code]);
    }`;

  it("refuses a late call as made outside any invocation and keeps the sandbox serving", async () => {
    const calls: Array<{ invocationId: string | null; args: unknown[] }> = [];
    const violations: unknown[] = [];
    const sandbox = await bench.load(KEEPS_CTX, {
      onViolation: (v) => violations.push(v),
      onCall: async (call) => {
        calls.push(call);
        if (call.invocationId === null) throw new BulwarkError("BWK_PERMISSION_DENIED", "outside an invocation");
        return "v";
      },
    });
    assert.equal(await sandbox.invoke(null, context(), 5000), "kept");
    assert.deepEqual(await sandbox.invoke(null, context(), 5000), ["PermissionDenied", "BWK_PERMISSION_DENIED"]);
    assert.equal(sandbox.alive, true);
    assert.deepEqual(violations, []);
    assert.deepEqual(calls.map((c) => c.invocationId), [null]);
    assert.deepEqual(sandbox.logs.filter((l) => l.msg === "late line").map((l) => l.id), [null]);
  });
});

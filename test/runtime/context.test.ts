// The runtime inside a real sandbox: the handler's ctx, its bindings as broker calls, typed
// broker errors, and console capture tagged with the invocation.

import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BulwarkError } from "../../src/core/errors.ts";
import type { ErrorCode } from "../../src/core/errors.ts";
import { TestBench, context } from "../sandbox/helpers.ts";

let bench: TestBench;
before(() => {
  bench = new TestBench();
});
after(() => bench.close());

type Call = { op: string; args: unknown[]; invocationId: string | null };

describe("ctx: invocation facts", () => {
  it("carries the request id, function, version, identity and caller, and the time left", async () => {
    const sandbox = await bench.load(`export function handler(event, ctx) {
      return { requestId: ctx.requestId, functionName: ctx.functionName, version: ctx.version, identity: ctx.identity, caller: ctx.caller, left: ctx.getRemainingTimeInMillis() };
    }`);
    const identity = { subject: "alice", roles: ["customer"], via: "jwt" as const };
    const result = (await sandbox.invoke(null, context({ requestId: "r-facts", identity, caller: { function: "orders" } }), 5000)) as Record<string, unknown>;
    assert.deepEqual({ ...result, left: undefined }, { requestId: "r-facts", functionName: "fn", version: "v1", identity, caller: { function: "orders" }, left: undefined });
    assert.ok((result.left as number) > 0 && (result.left as number) <= 5000);
  });
});

describe("ctx: bindings are broker calls", () => {
  it("sends each binding as one call with its op and arguments, tagged with the invocation", async () => {
    const calls: Call[] = [];
    const replies: Record<string, unknown> = {
      "secrets.get": "s3cret",
      "kv.get": "value",
      "kv.list": ["a", "b"],
      "objects.get": Buffer.from("bytes").toString("base64"),
      "objects.list": ["o"],
      invoke: { from: "other" },
      fetch: { status: 201, statusText: "Created", headers: [["x-a", "1"]], body: Buffer.from("made").toString("base64") },
    };
    const sandbox = await bench.load(
      `export async function handler(event, ctx) {
        const kv = ctx.kv("ledger"), bucket = ctx.objects("files");
        const response = await ctx.fetch("https://psp.example.com/charge", { method: "POST", body: "amount=1", headers: { "x-b": "2" } });
        return {
          secret: await ctx.secrets.get("PSP_KEY"),
          got: await kv.get("k"), put: typeof (await kv.put("k", "v")), deleted: typeof (await kv.delete("k")), listed: await kv.list("p"), all: await kv.list(),
          object: new TextDecoder().decode(await bucket.get("f")), stored: typeof (await bucket.put("f", new Uint8Array([1, 2]))), storedText: typeof (await bucket.put("g", "hi")),
          removed: typeof (await bucket.delete("f")), objects: await bucket.list(),
          invoked: await ctx.invoke("other", { n: 1 }),
          fetched: { status: response.status, header: response.headers.get("x-a"), body: await response.text() },
        };
      }`,
      {
        onCall: async (call) => {
          calls.push(call);
          return replies[call.op] ?? null;
        },
      },
    );
    const result = await sandbox.invoke(null, context({ requestId: "r-calls" }), 5000);
    assert.deepEqual(result, {
      secret: "s3cret", got: "value", put: "undefined", deleted: "undefined", listed: ["a", "b"], all: ["a", "b"],
      object: "bytes", stored: "undefined", storedText: "undefined", removed: "undefined", objects: ["o"],
      invoked: { from: "other" },
      fetched: { status: 201, header: "1", body: "made" },
    });
    assert.deepEqual(
      calls.map((c) => [c.op, c.args, c.invocationId]),
      [
        ["fetch", [{ url: "https://psp.example.com/charge", method: "POST", headers: [["content-type", "text/plain;charset=UTF-8"], ["x-b", "2"]], body: Buffer.from("amount=1").toString("base64") }], "r-calls"],
        ["secrets.get", ["PSP_KEY"], "r-calls"],
        ["kv.get", ["ledger", "k"], "r-calls"],
        ["kv.put", ["ledger", "k", "v"], "r-calls"],
        ["kv.delete", ["ledger", "k"], "r-calls"],
        ["kv.list", ["ledger", "p"], "r-calls"],
        ["kv.list", ["ledger", null], "r-calls"],
        ["objects.get", ["files", "f"], "r-calls"],
        ["objects.put", ["files", "f", Buffer.from([1, 2]).toString("base64")], "r-calls"],
        ["objects.put", ["files", "g", Buffer.from("hi").toString("base64")], "r-calls"],
        ["objects.delete", ["files", "f"], "r-calls"],
        ["objects.list", ["files", null], "r-calls"],
        ["invoke", ["other", { n: 1 }], "r-calls"],
      ],
    );
  });

  it("denies every call when the sandbox has no broker", async () => {
    const sandbox = await bench.load(`export async function handler(event, ctx) { try { await ctx.secrets.get("X"); } catch (e) { return [e.name, e.code]; } }`);
    assert.deepEqual(await sandbox.invoke(null, context(), 5000), ["PermissionDenied", "BWK_PERMISSION_DENIED"]);
  });

  it("rethrows broker refusals as PermissionDenied, NotFound, LimitExceeded, InvalidArgument and other codes as Error", async () => {
    const codes: ErrorCode[] = ["BWK_PERMISSION_DENIED", "BWK_NOT_FOUND", "BWK_LIMIT_EXCEEDED", "BWK_INVALID_ARGUMENT", "BWK_FORBIDDEN"];
    const sandbox = await bench.load(
      `export async function handler(event, ctx) {
        const names = [];
        for (const code of event.codes) { try { await ctx.kv("ns").get(code); } catch (e) { names.push([e.name, e.code, e instanceof Error]); } }
        return names;
      }`,
      { onCall: async (call) => Promise.reject(new BulwarkError(call.args[1] as ErrorCode, "refused")) },
    );
    assert.deepEqual(await sandbox.invoke({ codes }, context(), 5000), [
      ["PermissionDenied", "BWK_PERMISSION_DENIED", true],
      ["NotFound", "BWK_NOT_FOUND", true],
      ["LimitExceeded", "BWK_LIMIT_EXCEEDED", true],
      ["InvalidArgument", "BWK_INVALID_ARGUMENT", true],
      ["Error", "BWK_FORBIDDEN", true],
    ]);
  });

  it("refuses non-string names before calling the broker", async () => {
    const calls: Call[] = [];
    const sandbox = await bench.load(`export async function handler(event, ctx) { try { await ctx.kv("ns").get({ toString() { return "k"; } }); } catch (e) { return e.name; } }`, {
      onCall: async (call) => void calls.push(call),
    });
    assert.equal(await sandbox.invoke(null, context(), 5000), "InvalidArgument");
    assert.deepEqual(calls, []);
  });
});

describe("console capture", () => {
  it("sends console.* and ctx.log.* as log entries formatted like util.format, tagged with the invocation", async () => {
    const sandbox = await bench.load(`
      console.log("loading");
      export function handler(event, ctx) {
        console.log("%s=%d", "count", 42, { nested: true });
        console.info("info");
        console.warn("warn");
        console.error(new Error("shown").message);
        console.debug("debug");
        ctx.log.info("via ctx");
        ctx.log.warn("ctx warn");
        ctx.log.error("ctx error");
        return "logged";
      }`);
    assert.equal(await sandbox.invoke(null, context({ requestId: "r-log" }), 5000), "logged");
    assert.deepEqual(sandbox.logs, [
      { id: null, level: "info", msg: "loading" },
      { id: "r-log", level: "info", msg: "count=42 { nested: true }" },
      { id: "r-log", level: "info", msg: "info" },
      { id: "r-log", level: "warn", msg: "warn" },
      { id: "r-log", level: "error", msg: "shown" },
      { id: "r-log", level: "debug", msg: "debug" },
      { id: "r-log", level: "info", msg: "via ctx" },
      { id: "r-log", level: "warn", msg: "ctx warn" },
      { id: "r-log", level: "error", msg: "ctx error" },
    ]);
  });

  it("captures raw stdout and stderr as log lines of the running invocation", async () => {
    const sandbox = await bench.load(`export async function handler() {
      await new Promise((r) => process.stdout.write("out line\\n", r));
      await new Promise((r) => process.stderr.write("err line\\n", r));
      await new Promise((r) => setTimeout(r, 50));
      return "ok";
    }`);
    await sandbox.invoke(null, context({ requestId: "r-raw" }), 5000);
    assert.deepEqual(sandbox.logs, [
      { id: "r-raw", level: "info", msg: "out line" },
      { id: "r-raw", level: "error", msg: "err line" },
    ]);
  });
});

// parseSandboxMessage is the platform's gate for everything a sandbox sends (CWE-20).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseSandboxMessage } from "../../src/sandbox/messages.ts";

describe("parseSandboxMessage", () => {
  it("accepts every SandboxMessage shape", () => {
    const valid = [
      { t: "ready" },
      { t: "loaded" },
      { t: "load-failed", error: { name: "SyntaxError", message: "bad" } },
      { t: "result", id: "r1", ok: true, value: { any: ["json"] } },
      { t: "result", id: "r1", ok: false, error: { name: "Error", message: "m", code: "BWK_BAD_RESPONSE" } },
      { t: "log", id: null, level: "debug", msg: "m" },
      { t: "log", id: "r1", level: "error", msg: "m" },
      { t: "call", id: 7, inv: "1", op: "kv.get", args: ["ns", "k"] },
      { t: "call", id: 8, inv: null, op: "kv.get", args: ["ns", "k"] },
    ];
    for (const message of valid) assert.deepEqual(parseSandboxMessage(message), message);
  });

  it("rejects anything else", () => {
    const invalid: unknown[] = [
      null, 1, "ready", [], { t: "pwn" }, {},
      { t: "load-failed", error: "boom" },
      { t: "load-failed", error: { name: "E", message: "m", code: 5 } },
      { t: "result", id: 1, ok: true, value: 1 },
      { t: "result", id: "r", ok: "yes", value: 1 },
      { t: "result", id: "r", ok: false },
      { t: "log", id: 1, level: "info", msg: "m" },
      { t: "log", id: null, level: "fatal", msg: "m" },
      { t: "log", id: null, level: "info", msg: { toString: 1 } },
      { t: "log", id: null, level: "__proto__", msg: "m" },
      { t: "call", id: -1, op: "kv.get", args: [] },
      { t: "call", id: 1.5, op: "kv.get", args: [] },
      { t: "call", id: 1, op: "x".repeat(65), args: [] },
      { t: "call", id: 1, op: "kv.get", args: { 0: "ns" } },
      { t: "call", id: 1, inv: 5, op: "kv.get", args: [] },
    ];
    for (const frame of invalid) assert.equal(parseSandboxMessage(frame), undefined, JSON.stringify(frame));
  });

  it("copies only the known members of an error", () => {
    const parsed = parseSandboxMessage({ t: "load-failed", error: { name: "E", message: "m", stack: "at secret/path.ts", extra: 1 } });
    assert.deepEqual(parsed, { t: "load-failed", error: { name: "E", message: "m" } });
  });
});

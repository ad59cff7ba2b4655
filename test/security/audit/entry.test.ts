import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AUDIT_LIMITS } from "../../../src/security/audit/index.ts";
import type { AuditEntry } from "../../../src/security/audit/index.ts";
import { boundText, normalizeEntry } from "../../../src/security/audit/entry.ts";

const good: AuditEntry = { actor: { type: "user", id: "alice" }, action: "secret.read", target: "PSP_API_KEY", outcome: "success" };

describe("normalizeEntry", () => {
  test("accepts a well-formed entry and fills requestId and details", () => {
    const n = normalizeEntry(good);
    assert.equal(n.requestId, null);
    assert.equal(n.detailsJson, "{}");
  });

  for (const [name, bad] of [
    ["an unknown actor type", { ...good, actor: { type: "root", id: "x" } }],
    ["a non-string actor id", { ...good, actor: { type: "user", id: 7 } }],
    ["an action with spaces", { ...good, action: "secret read" }],
    ["an uppercase action", { ...good, action: "Deploy" }],
    ["an unknown outcome", { ...good, outcome: "maybe" }],
    ["a numeric request id", { ...good, requestId: 5 }],
    ["details that are an array", { ...good, details: [1] }],
    ["details holding a Date", { ...good, details: { at: new Date() } }],
    ["details holding NaN", { ...good, details: { n: Number.NaN } }],
    ["details nested too deep", { ...good, details: { a: { b: { c: { d: { e: 1 } } } } } }],
    ["details with too many keys", { ...good, details: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i])) }],
    ["details with a long array", { ...good, details: { list: Array.from({ length: 33 }, () => 1) } }],
    ["details over the byte bound", { ...good, details: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, "x".repeat(256)])) }],
    ["a string instead of an entry", "deploy"],
  ] as const) {
    test(`refuses ${name}`, () => {
      assert.throws(() => normalizeEntry(bad as unknown as AuditEntry), { code: "BWK_INVALID_ARGUMENT" });
    });
  }

  test("attack: a huge attacker-controlled target and detail string are truncated, not refused", () => {
    const n = normalizeEntry({ ...good, target: "/".repeat(100_000), details: { path: "a".repeat(100_000) } });
    assert.equal(n.target.length, AUDIT_LIMITS.targetChars);
    assert.ok(n.target.endsWith("…"));
    assert.equal((JSON.parse(n.detailsJson) as { path: string }).path.length, AUDIT_LIMITS.detailStringChars);
  });

  test("attack: lone surrogates become U+FFFD so SQLite cannot change the record under its hash", () => {
    const n = normalizeEntry({ ...good, target: "a\ud800b", actor: { type: "anonymous", id: "\udc00" }, details: { s: "\ud83d" } });
    assert.equal(n.target, "a\ufffdb");
    assert.equal(n.actorId, "\ufffd");
    assert.equal(n.detailsJson, '{"s":"\ufffd"}');
  });

  test("attack: a __proto__ detail stays data and does not change any prototype", () => {
    const n = normalizeEntry({ ...good, details: JSON.parse('{"__proto__":{"polluted":true}}') });
    assert.equal(n.detailsJson, '{"__proto__":{"polluted":true}}');
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  });
});

describe("boundText", () => {
  test("never splits a surrogate pair", () => {
    const text = "a".repeat(8) + "😀" + "b".repeat(8);
    for (let max = 2; max < 14; max++) assert.ok(boundText(text, max).isWellFormed());
  });
});

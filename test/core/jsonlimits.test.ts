// JSON nesting limits, on raw text before parsing and on parsed values, without recursion.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkJsonDepth } from "../../src/core/jsonlimits.ts";

describe("checkJsonDepth on text", () => {
  it("measures the depth of arrays and objects", () => {
    assert.deepEqual(checkJsonDepth("1", 5), { ok: true, depth: 0 });
    assert.deepEqual(checkJsonDepth('"text"', 5), { ok: true, depth: 0 });
    assert.deepEqual(checkJsonDepth("[]", 5), { ok: true, depth: 1 });
    assert.deepEqual(checkJsonDepth('{"a":[1,{"b":[]}],"c":{}}', 5), { ok: true, depth: 4 });
  });

  it("accepts exactly the limit and refuses one more, saying where", () => {
    assert.deepEqual(checkJsonDepth("[[[]]]", 3), { ok: true, depth: 3 });
    assert.deepEqual(checkJsonDepth(' [[[[]]]]', 3), { ok: false, depth: 4, offset: 4 });
  });

  it("does not count brackets inside strings, including after escaped quotes and backslashes", () => {
    assert.deepEqual(checkJsonDepth('["[[[[", "\\"[[[[", "\\\\", {"k]]": "{{"}]', 2), { ok: true, depth: 2 });
    assert.equal(checkJsonDepth('["\\\\"[[[]]]]', 2).ok, false);
  });

  it("refuses 100,000 nested arrays in one pass, before anything parses them", () => {
    const text = `${"[".repeat(100_000)}${"]".repeat(100_000)}`;
    assert.deepEqual(checkJsonDepth(text, 64), { ok: false, depth: 65, offset: 64 });
  });

  it("refuses deep nesting that only opens (a truncated attack)", () => {
    assert.equal(checkJsonDepth("{\"a\":".repeat(10_000), 32).ok, false);
  });

  it("tolerates unbalanced closers, leaving invalid JSON to the parser", () => {
    assert.deepEqual(checkJsonDepth("]]]][[", 2), { ok: true, depth: 2 });
  });
});

describe("checkJsonDepth on parsed values", () => {
  it("measures the same depth as on text", () => {
    for (const text of ["1", "[]", '{"a":[1,{"b":[]}],"c":{}}', "[[[[[]]]]]", '{"a":{"b":{"c":null}}}']) {
      const fromText = checkJsonDepth(text, 100);
      const fromValue = checkJsonDepth(JSON.parse(text), 100);
      assert.deepEqual(fromValue, fromText, text);
    }
  });

  it("refuses a value deeper than the limit", () => {
    assert.deepEqual(checkJsonDepth({ a: { b: { c: {} } } }, 3), { ok: false, depth: 4 });
  });

  it("walks 100,000 nested arrays without recursion", () => {
    let value: unknown = [];
    for (let i = 0; i < 100_000; i++) value = [value];
    assert.deepEqual(checkJsonDepth(value, 200_000), { ok: true, depth: 100_001 });
    assert.equal(checkJsonDepth(value, 64).ok, false);
  });

  it("terminates on a cyclic object", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.equal(checkJsonDepth(cyclic, 1000).ok, false);
  });
});

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { canonicalJson } from "../../../src/security/audit/index.ts";

describe("canonicalJson (RFC 8785)", () => {
  test("matches the RFC 8785 §3.2.2 example: numbers, escapes, member order", () => {
    const input = JSON.parse(
      String.raw`{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],"string":"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/","literals":[null,true,false]}`,
    );
    assert.equal(
      canonicalJson(input),
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  test("sorts member names by UTF-16 code units (RFC 8785 §3.2.3 example)", () => {
    const input = { "\u20ac": 1, "\r": 2, "\ufb33": 3, "1": 4, "\ud83d\ude00": 5, "\u0080": 6, "\u00f6": 7 };
    assert.equal(canonicalJson(input), '{"\\r":2,"1":4,"\u0080":6,"ö":7,"€":1,"😀":5,"\ufb33":3}');
  });

  test("serializes numbers as ECMAScript does (RFC 8785 Appendix B)", () => {
    const cases: [number, string][] = [
      [0, "0"], [-0, "0"], [5e-324, "5e-324"], [1.7976931348623157e308, "1.7976931348623157e+308"],
      [9007199254740992, "9007199254740992"], [1e21, "1e+21"], [9.999999999999997e22, "9.999999999999997e+22"],
      [0.000001, "0.000001"], [9.999999999999997e-7, "9.999999999999997e-7"],
    ];
    for (const [value, text] of cases) assert.equal(canonicalJson(value), text);
  });

  test("has no whitespace and leaves undefined members out", () => {
    assert.equal(canonicalJson({ b: [1, { d: null, c: undefined }], a: "x" }), '{"a":"x","b":[1,{"d":null}]}');
  });

  test("keeps a __proto__ member as data", () => {
    assert.equal(canonicalJson(JSON.parse('{"__proto__":{"admin":true}}')), '{"__proto__":{"admin":true}}');
  });

  for (const [name, value] of [
    ["NaN", Number.NaN], ["Infinity", Infinity], ["a bigint", 1n], ["a Date", new Date(0)], ["a Map", new Map()],
    ["a function", () => 1], ["undefined", undefined], ["a lone surrogate", "\ud800"], ["a symbol", Symbol("x")],
  ] as const) {
    test(`refuses ${name} instead of coercing it`, () => {
      assert.throws(() => canonicalJson(value), { code: "BWK_INVALID_ARGUMENT" });
    });
  }

  test("refuses a cycle and hostile nesting without overflowing the stack", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    assert.throws(() => canonicalJson(cyclic), { code: "BWK_INVALID_ARGUMENT" });
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    assert.throws(() => canonicalJson(deep), { code: "BWK_INVALID_ARGUMENT" });
  });
});

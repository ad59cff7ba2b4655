// What the runtime sends for a thrown value, and the classes it rethrows broker errors as.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { InvalidArgument, LimitExceeded, NotFound, PermissionDenied, errorFromWire, errorToWire } from "../../src/runtime/errors.ts";

describe("errorToWire", () => {
  it("sends the name and message, never the stack", () => {
    const wire = errorToWire(new TypeError("bad input"));
    assert.deepEqual(wire, { name: "TypeError", message: "bad input" });
  });

  it("describes thrown non-errors", () => {
    assert.deepEqual(errorToWire("plain string"), { name: "Error", message: "plain string" });
    assert.deepEqual(errorToWire(null), { name: "Error", message: "null" });
  });

  it("survives a thrown value whose getters throw", () => {
    const hostile = new Proxy(new Error("x"), { get: () => { throw new Error("trap"); } });
    assert.equal(errorToWire(hostile).name, "Error");
    const noString = { toString: () => { throw new Error("trap"); } };
    assert.equal(typeof errorToWire(noString).message, "string");
  });

  it("bounds the message length", () => {
    assert.ok(errorToWire(new Error("x".repeat(100_000))).message.length <= 4096);
  });
});

describe("errorFromWire", () => {
  it("maps broker codes to the classes functions catch", () => {
    const cases: [string, new (...a: never[]) => Error][] = [
      ["BWK_PERMISSION_DENIED", PermissionDenied],
      ["BWK_NOT_FOUND", NotFound],
      ["BWK_LIMIT_EXCEEDED", LimitExceeded],
      ["BWK_INVALID_ARGUMENT", InvalidArgument],
    ];
    for (const [code, type] of cases) {
      const error = errorFromWire({ name: "Error", message: "m", code });
      assert.ok(error instanceof type, code);
      assert.equal((error as Error & { code: string }).code, code);
    }
    const other = errorFromWire({ name: "Error", message: "m", code: "BWK_INTERNAL" });
    assert.equal(other.constructor, Error);
    assert.equal((other as Error & { code: string }).code, "BWK_INTERNAL");
  });

  it("does not let a code pick an inherited property as a class", () => {
    const error = errorFromWire({ name: "Error", message: "m", code: "constructor" });
    assert.equal(error.constructor, Error);
  });
});

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from "../../../src/core/people/recovery.ts";

const SHAPE = /^[0-9abcdefghjkmnpqrstvwxyz]{4}(-[0-9abcdefghjkmnpqrstvwxyz]{4}){3}$/;

describe("generateRecoveryCodes", () => {
  it("makes ten distinct grouped codes by default, with no i, l, o or u", () => {
    const codes = generateRecoveryCodes();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    for (const code of codes) assert.match(code, SHAPE);
  });

  it("carries at least 60 bits per code (16 characters of a 32-letter alphabet = 80)", () => {
    const [code] = generateRecoveryCodes(1);
    assert.ok(code !== undefined);
    assert.ok(code.replaceAll("-", "").length * Math.log2(32) >= 60);
  });

  it("uses every letter of the alphabet over many codes (no stuck positions)", () => {
    const seen = new Set(generateRecoveryCodes(100).join("").replaceAll("-", ""));
    assert.equal(seen.size, 32);
  });

  it("refuses counts outside 1-100", () => {
    for (const bad of [0, -1, 1.5, 101, Number.NaN]) {
      assert.throws(() => generateRecoveryCodes(bad), { code: "BWK_INVALID_ARGUMENT" }, String(bad));
    }
  });

  it("generates codes that are already in normalized form", () => {
    for (const code of generateRecoveryCodes(20)) assert.equal(normalizeRecoveryCode(code), code);
  });
});

describe("normalizeRecoveryCode", () => {
  it("ignores case, spaces and hyphens", () => {
    assert.equal(normalizeRecoveryCode(" 7KQ2 M9XD-4t8v  0PZC\n"), "7kq2-m9xd-4t8v-0pzc");
    assert.equal(normalizeRecoveryCode("7kq2m9xd4t8v0pzc"), "7kq2-m9xd-4t8v-0pzc");
  });

  it("reads o as 0 and i or l as 1 (Crockford)", () => {
    assert.equal(normalizeRecoveryCode("O000-iIlL-1111-oOoO"), "0000-1111-1111-0000");
  });

  it("returns null for anything that cannot be a code", () => {
    for (const bad of ["", "7kq2-m9xd-4t8v", "7kq2-m9xd-4t8v-0pzc-aaaa", "7kq2-m9xd-4t8v-0pzu", "7kq2-m9xd-4t8v-0pz!", "7kq2-m9xd-4t8v-0pzç"]) {
      assert.equal(normalizeRecoveryCode(bad), null, bad);
    }
  });

  it("refuses oversized input before doing any work", () => {
    assert.equal(normalizeRecoveryCode(`7kq2-m9xd-4t8v-0pzc${" ".repeat(100)}`), null);
    assert.equal(normalizeRecoveryCode("-".repeat(1_000_000)), null);
  });

  it("returns null for non-string input from an untyped request body", () => {
    assert.equal(normalizeRecoveryCode(12345678 as unknown as string), null);
    assert.equal(normalizeRecoveryCode(["7kq2m9xd4t8v0pzc"] as unknown as string), null);
  });
});

describe("hashRecoveryCode", () => {
  it("is the SHA-256 hex of the normalized code, so any spelling finds the same row", () => {
    const expected = createHash("sha256").update("7kq2-m9xd-4t8v-0pzc").digest("hex");
    assert.equal(hashRecoveryCode("7kq2-m9xd-4t8v-0pzc"), expected);
    assert.equal(hashRecoveryCode("7KQ2 M9XD 4T8V OPZC"), expected);
  });

  it("gives different codes different hashes", () => {
    const [a, b] = generateRecoveryCodes(2);
    assert.ok(a !== undefined && b !== undefined);
    assert.notEqual(hashRecoveryCode(a), hashRecoveryCode(b));
  });

  it("throws BWK_INVALID_ARGUMENT for something that is not a code", () => {
    assert.throws(() => hashRecoveryCode("hunter2"), { code: "BWK_INVALID_ARGUMENT" });
  });
});

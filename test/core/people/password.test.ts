import assert from "node:assert/strict";
import { randomBytes, scryptSync } from "node:crypto";
import { describe, it } from "node:test";
import {
  SCRYPT_PARAMS,
  checkPasswordPolicy,
  generatePassword,
  hashPassword,
  needsRehash,
  verifyPassword,
} from "../../../src/core/people/password.ts";

/**
 * Builds a stored row by hand, as an attacker with write access to the users table could. The key
 * is the real scrypt output unless `real` is false, so a missing cap would show up as `true`.
 */
function forge(N: number, r: number, p: number, real = true): string {
  const salt = randomBytes(16);
  const key = real ? scryptSync("correct horse battery", salt, 32, { N, r, p, maxmem: 256 * N * r }) : randomBytes(32);
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

describe("hashPassword / verifyPassword", () => {
  it("round-trips and refuses a wrong password", async () => {
    const encoded = await hashPassword("correct horse battery");
    assert.equal(await verifyPassword("correct horse battery", encoded), true);
    assert.equal(await verifyPassword("correct horse batterY", encoded), false);
    assert.equal(await verifyPassword("", encoded), false);
  });

  it("writes the self-describing form scrypt$N$r$p$salt$hash with a 16-byte salt", async () => {
    const encoded = await hashPassword("correct horse battery");
    const [scheme, N, r, p, salt, hash] = encoded.split("$");
    assert.equal(scheme, "scrypt");
    assert.deepEqual([Number(N), Number(r), Number(p)], [SCRYPT_PARAMS.N, SCRYPT_PARAMS.r, SCRYPT_PARAMS.p]);
    assert.equal(Buffer.from(salt ?? "", "base64url").length, 16);
    assert.equal(Buffer.from(hash ?? "", "base64url").length, 32);
  });

  it("salts every hash, so equal passwords do not give equal rows", async () => {
    const [a, b] = await Promise.all([hashPassword("correct horse battery"), hashPassword("correct horse battery")]);
    assert.notEqual(a, b);
  });

  it("verifies a row written with other (still allowed) parameters", async () => {
    assert.equal(await verifyPassword("correct horse battery", forge(2 ** 14, 8, 1)), true);
  });

  it("treats the same password in NFC and NFD as the same (NFKC before hashing)", async () => {
    const encoded = await hashPassword("caf\u00e9 au lait ok");
    assert.equal(await verifyPassword("cafe\u0301 au lait ok", encoded), true);
  });

  it("returns false, without throwing, for malformed encodings (including an unknown user's empty row)", async () => {
    const good = await hashPassword("correct horse battery");
    const [, , , , salt, hash] = good.split("$");
    const bad = [
      "",
      "scrypt",
      "bcrypt$32768$8$1$x$y",
      `scrypt$32768$8$1$${salt}`,
      `scrypt$32768$8$1$${salt}$${hash}$extra`,
      `scrypt$0x8000$8$1$${salt}$${hash}`,
      `scrypt$032768$8$1$${salt}$${hash}`,
      `scrypt$32768$8$0$${salt}$${hash}`,
      `scrypt$30000$8$1$${salt}$${hash}`,
      `scrypt$32768$8$1$${salt}=$${hash}`,
      `scrypt$32768$8$1$${salt}$${hash}+`,
      `scrypt$32768$8$1$AAAA$${hash}`,
      `scrypt$32768$8$1$${salt}$AAAA`,
      `scrypt$32768$8$1$${salt}$${"A".repeat(600)}`,
      null as unknown as string,
      { toString: () => good } as unknown as string,
    ];
    for (const encoded of bad) {
      assert.equal(await verifyPassword("correct horse battery", encoded), false, String(encoded));
    }
  });

  it("does not spend minutes or gigabytes on a tampered row with huge parameters", async () => {
    const tampered = [
      forge(2 ** 30, 8, 1, false), // N past the cap: 128 GiB
      forge(2 ** 18, 8, 1), // N past the cap
      forge(2 ** 14, 32, 1), // r past the cap
      forge(2 ** 14, 1, 8), // p past the cap
      forge(2 ** 17, 8, 2), // each within its cap, total work past it
    ];
    for (const encoded of tampered) {
      assert.equal(await verifyPassword("correct horse battery", encoded), false, encoded);
    }
  });

  it("refuses a downgraded row with a cheap cost factor", async () => {
    assert.equal(await verifyPassword("correct horse battery", forge(2 ** 4, 1, 1)), false);
  });

  it("returns false for oversized or non-string passwords instead of hashing them", async () => {
    const encoded = await hashPassword("correct horse battery");
    assert.equal(await verifyPassword("x".repeat(10_000_000), encoded), false);
    assert.equal(await verifyPassword(undefined as unknown as string, encoded), false);
  });

  it("refuses to hash empty, oversized or ill-formed passwords", async () => {
    for (const bad of ["", "a".repeat(257), "abc\ud800defghijkl"]) {
      await assert.rejects(hashPassword(bad), { code: "BWK_INVALID_ARGUMENT" });
    }
  });
});

describe("needsRehash", () => {
  it("is false for a row at the current parameters and true otherwise", async () => {
    assert.equal(needsRehash(await hashPassword("correct horse battery")), false);
    assert.equal(needsRehash(forge(2 ** 14, 8, 1)), true);
    assert.equal(needsRehash("garbage"), true);
  });
});

describe("checkPasswordPolicy", () => {
  it("accepts 12 to 256 characters", () => {
    assert.deepEqual(checkPasswordPolicy("abcdefghijkl"), { ok: true });
    assert.deepEqual(checkPasswordPolicy("a".repeat(255) + "b"), { ok: true });
  });

  const cases: [string, string][] = [
    ["abcdefghijk", "too-short"],
    ["", "too-short"],
    ["a".repeat(256) + "b", "too-long"],
    ["aaaaaaaaaaaa", "single-character"],
    ["🔑".repeat(20), "single-character"],
    ["abcdefghijk\ud800", "malformed"],
    ["x".repeat(5000), "malformed"],
  ];
  for (const [password, reason] of cases) {
    it(`refuses ${JSON.stringify(password.slice(0, 16))}${password.length > 16 ? "…" : ""} as ${reason}`, () => {
      const result = checkPasswordPolicy(password);
      assert.equal(result.ok, false);
      if (!result.ok) {
        assert.equal(result.reason, reason);
        assert.ok(result.message.length > 0);
      }
    });
  }

  it("counts characters, not UTF-16 units: six emoji are six characters", () => {
    const result = checkPasswordPolicy("🔑🗝🔐🔒🔓🛡");
    assert.equal(result.ok === false && result.reason, "too-short");
  });

  it("never echoes the password in its message", () => {
    const result = checkPasswordPolicy("secretsecre");
    assert.ok(!result.ok && !result.message.includes("secretsecre"));
  });
});

describe("generatePassword", () => {
  it("passes the policy, avoids look-alike characters and differs each time", () => {
    const a = generatePassword();
    const b = generatePassword();
    assert.deepEqual(checkPasswordPolicy(a), { ok: true });
    assert.match(a, /^[A-HJ-NP-Za-km-z2-9]{24}$/);
    assert.notEqual(a, b);
  });
});

import assert from "node:assert/strict";
import { createDecipheriv, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { inspect } from "node:util";
import { kvContext, objectContext, secretContext } from "../../../src/broker/crypto/context.ts";
import { CIPHERTEXT_OVERHEAD, openEnvelope, rewrap, sealEnvelope } from "../../../src/broker/crypto/envelope.ts";
import { MasterKey, WRAPPED_KEY_BYTES, wrappingKeyId } from "../../../src/broker/crypto/master-key.ts";

const DECRYPT_FAILED = { code: "BWK_DECRYPT_FAILED" };
const master = MasterKey.generate();
const ctx = secretContext("payments", "PSP_API_KEY", 1);

describe("sealEnvelope / openEnvelope", () => {
  for (const size of [0, 1, 15, 16, 17, 4096, 1024 * 1024]) {
    test(`round-trips ${size} bytes`, () => {
      const value = randomBytes(size);
      assert.deepEqual(openEnvelope(master, sealEnvelope(master, value, ctx), ctx), value);
    });
  }

  test("uses a fresh data key and nonce for every value", () => {
    const a = sealEnvelope(master, Buffer.from("same"), ctx);
    const b = sealEnvelope(master, Buffer.from("same"), ctx);
    assert.notDeepEqual(a.wrappedKey, b.wrappedKey);
    assert.notDeepEqual(a.ciphertext, b.ciphertext);
  });

  test("lays bytes out as documented (format v1)", () => {
    const value = Buffer.from("sk_live_123");
    const sealed = sealEnvelope(master, value, ctx);
    assert.equal(sealed.wrappedKey.length, WRAPPED_KEY_BYTES);
    assert.equal(sealed.wrappedKey[0], 1);
    assert.equal(wrappingKeyId(sealed.wrappedKey), master.id);
    assert.equal(sealed.ciphertext[0], 1);
    assert.equal(sealed.ciphertext.length, value.length + CIPHERTEXT_OVERHEAD);
    // Decrypt by hand from the documented layout, with the data key from the wrapped key.
    const dataKey = master.unwrapDataKey(sealed.wrappedKey);
    const c = sealed.ciphertext;
    const decipher = createDecipheriv("aes-256-gcm", dataKey, c.subarray(1, 13), { authTagLength: 16 });
    decipher.setAAD(Buffer.concat([Buffer.from("bulwark:data:v1"), ctx]));
    decipher.setAuthTag(c.subarray(c.length - 16));
    assert.deepEqual(Buffer.concat([decipher.update(c.subarray(13, c.length - 16)), decipher.final()]), value);
  });
});

describe("context binding (a ciphertext moved to another row)", () => {
  const rows = [
    ["another secret", secretContext("payments", "DB_PASSWORD", 1)],
    ["another version", secretContext("payments", "PSP_API_KEY", 2)],
    ["another app", secretContext("shop", "PSP_API_KEY", 1)],
    ["a KV value with the same names", kvContext("payments", "PSP_API_KEY", "1")],
    ["an object with the same names", objectContext("payments", "PSP_API_KEY", "1")],
  ] as const;
  for (const [title, other] of rows) {
    test(`fails to open under ${title}`, () => {
      assert.throws(() => openEnvelope(master, sealEnvelope(master, Buffer.from("v"), ctx), other), DECRYPT_FAILED);
    });
  }

  test("another tenant's partition of the same namespace", () => {
    const a = kvContext("ehr", "tenants/p1/notes", "k");
    const b = kvContext("ehr", "tenants/p2/notes", "k");
    assert.throws(() => openEnvelope(master, sealEnvelope(master, Buffer.from("v"), a), b), DECRYPT_FAILED);
  });

  test("contexts are injective: a separator inside a name does not collide", () => {
    assert.notDeepEqual(kvContext("a|b", "c", "d"), kvContext("a", "b|c", "d"));
    assert.notDeepEqual(kvContext("a", "bc", "d"), kvContext("ab", "c", "d"));
    assert.notDeepEqual(kvContext("a", "", "bc"), kvContext("a", "b", "c"));
  });

  test("swapping only the wrapped keys of two rows fails", () => {
    const other = secretContext("payments", "DB_PASSWORD", 1);
    const a = sealEnvelope(master, Buffer.from("a"), ctx);
    const b = sealEnvelope(master, Buffer.from("b"), other);
    assert.throws(() => openEnvelope(master, { wrappedKey: b.wrappedKey, ciphertext: a.ciphertext }, ctx), DECRYPT_FAILED);
  });

  test("secret versions start at 1", () => {
    assert.throws(() => secretContext("a", "B", 0), RangeError);
    assert.throws(() => secretContext("a", "B", 1.5), RangeError);
  });
});

describe("tampering", () => {
  const sealed = sealEnvelope(master, Buffer.from("a secret value"), ctx);
  const wrappedParts: Array<[string, number]> = [["format version", 0], ["master key id", 3], ["wrap nonce", 10], ["wrapped key", 30], ["wrap tag", 60]];
  for (const [part, index] of wrappedParts) {
    test(`a flipped bit in the wrapped key's ${part} fails`, () => {
      const wrappedKey = Buffer.from(sealed.wrappedKey);
      wrappedKey[index] = (wrappedKey[index] ?? 0) ^ 1;
      assert.throws(() => openEnvelope(master, { ...sealed, wrappedKey }, ctx), DECRYPT_FAILED);
    });
  }
  const dataParts: Array<[string, number]> = [["format version", 0], ["nonce", 5], ["body", 15], ["tag", sealed.ciphertext.length - 1]];
  for (const [part, index] of dataParts) {
    test(`a flipped bit in the ciphertext's ${part} fails`, () => {
      const ciphertext = Buffer.from(sealed.ciphertext);
      ciphertext[index] = (ciphertext[index] ?? 0) ^ 1;
      assert.throws(() => openEnvelope(master, { ...sealed, ciphertext }, ctx), DECRYPT_FAILED);
    });
  }
  const truncations: Array<[string, () => unknown]> = [
    ["an empty ciphertext", () => openEnvelope(master, { ...sealed, ciphertext: Buffer.alloc(0) }, ctx)],
    ["a ciphertext without its tag", () => openEnvelope(master, { ...sealed, ciphertext: sealed.ciphertext.subarray(0, -16) }, ctx)],
    ["a tag cut to 4 bytes", () => openEnvelope(master, { ...sealed, ciphertext: sealed.ciphertext.subarray(0, -12) }, ctx)],
    ["an empty wrapped key", () => openEnvelope(master, { ...sealed, wrappedKey: Buffer.alloc(0) }, ctx)],
    ["a wrapped key one byte short", () => openEnvelope(master, { ...sealed, wrappedKey: sealed.wrappedKey.subarray(0, -1) }, ctx)],
    ["a wrapped key one byte long", () => openEnvelope(master, { ...sealed, wrappedKey: Buffer.concat([sealed.wrappedKey, Buffer.of(0)]) }, ctx)],
    ["a future format version", () => openEnvelope(master, { ...sealed, ciphertext: Buffer.concat([Buffer.of(2), sealed.ciphertext.subarray(1)]) }, ctx)],
  ];
  for (const [title, fn] of truncations) {
    test(`${title} fails`, () => assert.throws(fn, DECRYPT_FAILED));
  }
});

describe("master keys", () => {
  test("another master key cannot open a value", () => {
    const sealed = sealEnvelope(master, Buffer.from("v"), ctx);
    assert.throws(() => openEnvelope(MasterKey.generate(), sealed, ctx), DECRYPT_FAILED);
  });

  test("a forged master key id does not help another key", () => {
    const other = MasterKey.generate();
    const sealed = sealEnvelope(master, Buffer.from("v"), ctx);
    const wrappedKey = Buffer.from(sealed.wrappedKey);
    Buffer.from(other.id, "hex").copy(wrappedKey, 1);
    assert.throws(() => openEnvelope(other, { ...sealed, wrappedKey }, ctx), DECRYPT_FAILED);
  });

  for (const length of [0, 16, 31, 33, 64]) {
    test(`a ${length}-byte master key is refused`, () => {
      assert.throws(() => new MasterKey(randomBytes(length)), { code: "BWK_INVALID_ARGUMENT" });
    });
  }

  test("the same bytes give the same id; other bytes another", () => {
    const bytes = randomBytes(32);
    assert.equal(new MasterKey(bytes).id, new MasterKey(bytes).id);
    assert.notEqual(new MasterKey(bytes).id, MasterKey.generate().id);
  });

  test("never shows its bytes in logs, JSON, strings or errors", () => {
    const bytes = randomBytes(32);
    const key = new MasterKey(bytes);
    const shown = [inspect(key, { showHidden: true, depth: 5 }), JSON.stringify(key), String(key), `${key}`, JSON.stringify({ key })];
    const sealed = sealEnvelope(key, Buffer.from("v"), ctx);
    for (const attempt of [() => openEnvelope(key, sealed, kvContext("a", "b", "c")), () => key.unwrapDataKey(Buffer.alloc(69, 1))]) {
      try {
        attempt();
      } catch (e) {
        shown.push(String(e), inspect(e, { showHidden: true, depth: 5 }));
      }
    }
    for (const text of shown) {
      for (const encoding of ["base64", "hex", "base64url"] as const) {
        assert.ok(!text.includes(bytes.toString(encoding)), text);
      }
      assert.ok(!text.includes(bytes.subarray(0, 8).toString("hex")), text);
    }
  });
});

describe("rewrap (keys rotate-master)", () => {
  const next = MasterKey.generate();
  const sealed = sealEnvelope(master, Buffer.from("rotate me"), ctx);

  test("the new master opens the value; the ciphertext is untouched", () => {
    const wrappedKey = rewrap(sealed.wrappedKey, master, next);
    assert.equal(wrappingKeyId(wrappedKey), next.id);
    assert.deepEqual(openEnvelope(next, { wrappedKey, ciphertext: sealed.ciphertext }, ctx), Buffer.from("rotate me"));
    assert.throws(() => openEnvelope(master, { wrappedKey, ciphertext: sealed.ciphertext }, ctx), DECRYPT_FAILED);
  });

  test("running it again on a rewrapped key changes nothing", () => {
    const once = rewrap(sealed.wrappedKey, master, next);
    assert.deepEqual(rewrap(once, master, next), once);
  });

  test("the wrong old master key fails", () => {
    assert.throws(() => rewrap(sealed.wrappedKey, MasterKey.generate(), next), DECRYPT_FAILED);
  });

  test("a forged header claiming the new key is not passed through", () => {
    const forged = Buffer.from(sealed.wrappedKey);
    Buffer.from(next.id, "hex").copy(forged, 1);
    assert.throws(() => rewrap(forged, master, next), DECRYPT_FAILED);
  });
});

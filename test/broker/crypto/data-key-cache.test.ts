// The cache of unwrapped data keys: a hit answers only for the exact wrapped bytes that opened
// before under the same master key, entries expire and are bounded, and nothing it keeps lets an
// altered value, an altered wrapped key or a retired master key through.
import assert from "node:assert/strict";
import { createSecretKey, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { kvContext } from "../../../src/broker/crypto/context.ts";
import { DataKeyCache } from "../../../src/broker/crypto/data-key-cache.ts";
import { openEnvelope, rewrap, sealEnvelope } from "../../../src/broker/crypto/envelope.ts";
import { MasterKey } from "../../../src/broker/crypto/master-key.ts";

const DECRYPT_FAILED = { code: "BWK_DECRYPT_FAILED" };
const ctx = kvContext("shop", "ledger", "alice");

/** A cache and a counting unwrap that hands out a new key each time. */
function counted(clock?: () => number) {
  const cache = new DataKeyCache(clock);
  let unwraps = 0;
  const unwrap = () => {
    unwraps++;
    return createSecretKey(randomBytes(32));
  };
  return { cache, unwrap, unwraps: () => unwraps };
}

describe("DataKeyCache", () => {
  test("answers the same wrapped bytes without unwrapping again, and other bytes with an unwrap", () => {
    const c = counted();
    const wrapped = randomBytes(69);
    const first = c.cache.get(wrapped, c.unwrap);
    assert.equal(c.cache.get(Buffer.from(wrapped), c.unwrap), first);
    const other = Buffer.from(wrapped);
    other[68] = (other[68] ?? 0) ^ 1;
    assert.notEqual(c.cache.get(other, c.unwrap), first);
    assert.equal(c.unwraps(), 2);
  });

  test("unwraps again once an entry is 30 s old", () => {
    let now = 0;
    const c = counted(() => now);
    const wrapped = randomBytes(69);
    c.cache.get(wrapped, c.unwrap);
    now += 29_999;
    c.cache.get(wrapped, c.unwrap);
    assert.equal(c.unwraps(), 1);
    now += 1;
    c.cache.get(wrapped, c.unwrap);
    assert.equal(c.unwraps(), 2);
  });

  test("keeps at most 1024 keys, forgetting the oldest first", () => {
    const c = counted();
    const wrapped = Array.from({ length: 1025 }, () => randomBytes(69));
    for (const w of wrapped) c.cache.get(w, c.unwrap);
    c.cache.get(wrapped[1024]!, c.unwrap);
    c.cache.get(wrapped[1]!, c.unwrap);
    assert.equal(c.unwraps(), 1025);
    c.cache.get(wrapped[0]!, c.unwrap);
    assert.equal(c.unwraps(), 1026);
  });

  test("remembers nothing for a wrapped key that failed to unwrap", () => {
    const cache = new DataKeyCache();
    const wrapped = randomBytes(69);
    let unwraps = 0;
    const failing = () => {
      unwraps++;
      throw new Error("does not authenticate");
    };
    assert.throws(() => cache.get(wrapped, failing));
    assert.throws(() => cache.get(wrapped, failing));
    assert.equal(unwraps, 2);
  });
});

describe("opening values with cached data keys", () => {
  const master = MasterKey.generate();
  const sealed = sealEnvelope(master, Buffer.from("balance-100"), ctx);
  // Opened once: its data key is now cached by `master`.
  openEnvelope(master, sealed, ctx);

  test("an altered ciphertext still fails, though its data key is cached", () => {
    const ciphertext = Buffer.from(sealed.ciphertext);
    ciphertext[15] = (ciphertext[15] ?? 0) ^ 1;
    assert.throws(() => openEnvelope(master, { ...sealed, ciphertext }, ctx), DECRYPT_FAILED);
  });

  test("the value moved to another row (another context) still fails", () => {
    assert.throws(() => openEnvelope(master, sealed, kvContext("shop", "ledger", "mallory")), DECRYPT_FAILED);
  });

  test("an altered wrapped key still fails", () => {
    const wrappedKey = Buffer.from(sealed.wrappedKey);
    wrappedKey[30] = (wrappedKey[30] ?? 0) ^ 1;
    assert.throws(() => openEnvelope(master, { ...sealed, wrappedKey }, ctx), DECRYPT_FAILED);
  });

  test("after keys rotate-master, the new key refuses what only the old one wrapped, and opens the rewrapped value", () => {
    const next = MasterKey.generate();
    assert.throws(() => openEnvelope(next, sealed, ctx), DECRYPT_FAILED);
    assert.deepEqual(openEnvelope(next, { ...sealed, wrappedKey: rewrap(sealed.wrappedKey, master, next) }, ctx), Buffer.from("balance-100"));
  });
});

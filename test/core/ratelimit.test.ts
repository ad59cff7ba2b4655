// Token-bucket rate limiting with an injected clock and bounded memory.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createRateLimiter } from "../../src/core/ratelimit.ts";

const T0 = 1_700_000_000_000;

describe("rate limiter buckets", () => {
  it("allows a burst of `capacity`, then refuses with the seconds until one token is back", () => {
    const limiter = createRateLimiter({ capacity: 3, refillPerSecond: 0.5, maxKeys: 10 });
    for (let i = 0; i < 3; i++) assert.deepEqual(limiter.take("ip:1", T0), { ok: true });
    assert.deepEqual(limiter.take("ip:1", T0), { ok: false, retryAfterSeconds: 2 });
  });

  it("refills at the configured rate and never beyond capacity", () => {
    const limiter = createRateLimiter({ capacity: 2, refillPerSecond: 1, maxKeys: 10 });
    limiter.take("k", T0);
    limiter.take("k", T0);
    assert.equal(limiter.take("k", T0 + 999).ok, false);
    assert.equal(limiter.take("k", T0 + 1999).ok, true);
    assert.equal(limiter.take("k", T0 + 1_000_000).ok, true);
    assert.equal(limiter.take("k", T0 + 1_000_000).ok, true);
    assert.equal(limiter.take("k", T0 + 1_000_000).ok, false);
  });

  it("rounds Retry-After up to whole seconds, at least 1", () => {
    const limiter = createRateLimiter({ capacity: 1, refillPerSecond: 10, maxKeys: 10 });
    limiter.take("k", T0);
    assert.deepEqual(limiter.take("k", T0), { ok: false, retryAfterSeconds: 1 });
    const slow = createRateLimiter({ capacity: 1, refillPerSecond: 1 / 60, maxKeys: 10 });
    slow.take("k", T0);
    assert.deepEqual(slow.take("k", T0 + 30_000), { ok: false, retryAfterSeconds: 30 });
  });

  it("keeps keys apart", () => {
    const limiter = createRateLimiter({ capacity: 1, refillPerSecond: 1, maxKeys: 10 });
    assert.equal(limiter.take("ip:1", T0).ok, true);
    assert.equal(limiter.take("ip:1", T0).ok, false);
    assert.equal(limiter.take("ip:2", T0).ok, true);
  });

  it("charges a cost of several tokens", () => {
    const limiter = createRateLimiter({ capacity: 10, refillPerSecond: 1, maxKeys: 10 });
    assert.equal(limiter.take("k", T0, 7).ok, true);
    assert.deepEqual(limiter.take("k", T0, 7), { ok: false, retryAfterSeconds: 4 });
    assert.equal(limiter.take("k", T0, 3).ok, true);
  });

  it("does not mint tokens when the clock steps backwards", () => {
    const limiter = createRateLimiter({ capacity: 1, refillPerSecond: 1, maxKeys: 10 });
    limiter.take("k", T0);
    assert.equal(limiter.take("k", T0 - 60_000).ok, false);
    assert.equal(limiter.take("k", T0 + 500).ok, false);
    assert.equal(limiter.take("k", T0 + 1000).ok, true);
  });

  it("reads the injected clock when take() is given no time", () => {
    let now = T0;
    const limiter = createRateLimiter({ capacity: 1, refillPerSecond: 1, maxKeys: 10, now: () => now });
    assert.equal(limiter.take("k").ok, true);
    assert.equal(limiter.take("k").ok, false);
    now += 1000;
    assert.equal(limiter.take("k").ok, true);
  });
});

describe("rate limiter memory", () => {
  it("forgets buckets that have refilled completely, which changes no decision", () => {
    const limiter = createRateLimiter({ capacity: 2, refillPerSecond: 1, maxKeys: 100 });
    for (let i = 0; i < 50; i++) limiter.take(`ip:${i}`, T0);
    assert.equal(limiter.size, 50);
    for (let i = 0; i < 50; i++) limiter.take("busy", T0 + 2000 + i);
    assert.equal(limiter.size, 1);
  });

  it("keeps a bucket that is still refilling", () => {
    const limiter = createRateLimiter({ capacity: 2, refillPerSecond: 1, maxKeys: 100 });
    limiter.take("a", T0);
    limiter.take("a", T0);
    limiter.take("b", T0 + 1000);
    assert.equal(limiter.size, 2);
    assert.equal(limiter.take("a", T0 + 1000).ok, true);
    assert.equal(limiter.take("a", T0 + 1000).ok, false);
  });

  it("never holds more than maxKeys while an attacker rotates 200,000 source addresses", () => {
    const limiter = createRateLimiter({ capacity: 5, refillPerSecond: 1, maxKeys: 1000 });
    for (let i = 0; i < 200_000; i++) {
      limiter.take(`ip:${i}`, T0);
      if (limiter.size > 1000) assert.fail(`size ${limiter.size} after ${i + 1} keys`);
    }
    assert.equal(limiter.size, 1000);
  });

  it("evicts the least recently used key first, so an active abuser stays limited", () => {
    const limiter = createRateLimiter({ capacity: 1, refillPerSecond: 0.001, maxKeys: 3 });
    assert.equal(limiter.take("abuser", T0).ok, true);
    for (let i = 0; i < 100; i++) {
      limiter.take(`rotating:${i}`, T0);
      assert.equal(limiter.take("abuser", T0).ok, false, `after ${i} rotations`);
    }
  });
});

describe("rate limiter input checks", () => {
  it("refuses invalid options with BWK_INVALID_ARGUMENT", () => {
    const good = { capacity: 1, refillPerSecond: 1, maxKeys: 1 };
    for (const bad of [
      { capacity: 0 }, { capacity: -1 }, { capacity: Number.NaN }, { capacity: Number.POSITIVE_INFINITY },
      { refillPerSecond: 0 }, { maxKeys: 0 }, { maxKeys: 1.5 },
    ]) {
      assert.throws(() => createRateLimiter({ ...good, ...bad }), { code: "BWK_INVALID_ARGUMENT" }, JSON.stringify(bad));
    }
  });

  it("refuses a cost above capacity, a non-positive cost, an overlong key and a non-finite time", () => {
    const limiter = createRateLimiter({ capacity: 5, refillPerSecond: 1, maxKeys: 10 });
    assert.throws(() => limiter.take("k", T0, 6), { code: "BWK_INVALID_ARGUMENT" });
    assert.throws(() => limiter.take("k", T0, 0), { code: "BWK_INVALID_ARGUMENT" });
    assert.throws(() => limiter.take("k".repeat(513), T0), { code: "BWK_INVALID_ARGUMENT" });
    assert.throws(() => limiter.take("k", Number.NaN), { code: "BWK_INVALID_ARGUMENT" });
    assert.equal(limiter.size, 0);
  });
});

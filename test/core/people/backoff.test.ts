import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DEFAULT_BACKOFF_OPTIONS, LoginBackoff } from "../../../src/core/people/backoff.ts";

const T0 = 1_700_000_000_000;
const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Records `count` failures for key, each at the moment the previous wait ended. */
function failRepeatedly(backoff: LoginBackoff, key: string, count: number, start = T0): number {
  let now = start;
  for (let i = 0; i < count; i++) {
    const decision = backoff.check(key, now);
    if (!decision.allowed) now += decision.retryAfterSeconds * SECOND;
    backoff.recordFailure(key, now);
  }
  return now;
}

describe("LoginBackoff: delays", () => {
  it("lets the first free failures through without waiting", () => {
    const backoff = new LoginBackoff();
    for (let i = 0; i < DEFAULT_BACKOFF_OPTIONS.freeFailures; i++) {
      assert.deepEqual(backoff.recordFailure("user:alice", T0), { allowed: true });
    }
    assert.deepEqual(backoff.check("user:alice", T0), { allowed: true });
  });

  it("doubles the wait with each failure past the free ones (1 s, 2 s, 4 s, 8 s …)", () => {
    const backoff = new LoginBackoff({ freeFailures: 2, baseDelayMs: SECOND, maxDelayMs: MINUTE, lockoutThreshold: 50 });
    backoff.recordFailure("k", T0);
    backoff.recordFailure("k", T0);
    const waits = [];
    for (let i = 0; i < 5; i++) {
      const decision = backoff.recordFailure("k", T0);
      assert.equal(decision.allowed, false);
      if (!decision.allowed) waits.push(decision.retryAfterSeconds);
    }
    assert.deepEqual(waits, [1, 2, 4, 8, 16]);
  });

  it("caps the wait at maxDelayMs", () => {
    const backoff = new LoginBackoff({ freeFailures: 0, baseDelayMs: SECOND, maxDelayMs: 10 * SECOND, lockoutThreshold: 100 });
    const now = failRepeatedly(backoff, "k", 20);
    assert.deepEqual(backoff.check("k", now), { allowed: false, retryAfterSeconds: 10 });
  });

  it("allows again exactly when the wait is over and counts down in whole seconds", () => {
    const backoff = new LoginBackoff({ freeFailures: 0, baseDelayMs: 2 * SECOND });
    backoff.recordFailure("k", T0);
    assert.deepEqual(backoff.check("k", T0 + 1), { allowed: false, retryAfterSeconds: 2 });
    assert.deepEqual(backoff.check("k", T0 + SECOND + 1), { allowed: false, retryAfterSeconds: 1 });
    assert.deepEqual(backoff.check("k", T0 + 2 * SECOND - 1), { allowed: false, retryAfterSeconds: 1 });
    assert.deepEqual(backoff.check("k", T0 + 2 * SECOND), { allowed: true });
  });
});

describe("LoginBackoff: lockout", () => {
  it("locks the key out for lockoutMs at the threshold, even when the attacker waits out every delay", () => {
    const backoff = new LoginBackoff({ lockoutThreshold: 5, lockoutMs: 15 * MINUTE });
    const now = failRepeatedly(backoff, "user:alice", 5);
    assert.deepEqual(backoff.check("user:alice", now), { allowed: false, retryAfterSeconds: 15 * 60 });
    assert.deepEqual(backoff.check("user:alice", now + 15 * MINUTE - 1), { allowed: false, retryAfterSeconds: 1 });
    assert.deepEqual(backoff.check("user:alice", now + 15 * MINUTE), { allowed: true });
  });

  it("locks again at the next failure if the window has not passed since the last one", () => {
    const backoff = new LoginBackoff({ lockoutThreshold: 3, lockoutMs: MINUTE, windowMs: 10 * MINUTE });
    const now = failRepeatedly(backoff, "k", 3);
    const later = now + 2 * MINUTE;
    assert.deepEqual(backoff.check("k", later), { allowed: true });
    assert.deepEqual(backoff.recordFailure("k", later), { allowed: false, retryAfterSeconds: 60 });
  });

  it("keeps keys apart: one user's lockout does not touch another user or key", () => {
    const backoff = new LoginBackoff({ lockoutThreshold: 3 });
    failRepeatedly(backoff, "user:alice", 3);
    assert.equal(backoff.check("user:alice", T0 + 10 * SECOND).allowed, false);
    assert.deepEqual(backoff.check("user:bob", T0 + 10 * SECOND), { allowed: true });
    assert.deepEqual(backoff.check("ip:203.0.113.7", T0 + 10 * SECOND), { allowed: true });
  });
});

describe("LoginBackoff: forgetting", () => {
  it("starts the count over after windowMs without a failure", () => {
    const backoff = new LoginBackoff({ freeFailures: 1, windowMs: 10 * MINUTE, lockoutThreshold: 3 });
    backoff.recordFailure("k", T0);
    backoff.recordFailure("k", T0);
    const later = T0 + 10 * MINUTE + 1;
    assert.deepEqual(backoff.recordFailure("k", later), { allowed: true });
  });

  it("does not start over while failures keep coming inside the window (slow guessing still locks)", () => {
    const backoff = new LoginBackoff({ freeFailures: 10, windowMs: 10 * MINUTE, lockoutThreshold: 5, lockoutMs: MINUTE });
    let now = T0;
    for (let i = 0; i < 4; i++) {
      assert.deepEqual(backoff.recordFailure("k", now), { allowed: true });
      now += 9 * MINUTE;
    }
    assert.deepEqual(backoff.recordFailure("k", now), { allowed: false, retryAfterSeconds: 60 });
  });

  it("forgets a key after recordSuccess", () => {
    const backoff = new LoginBackoff({ freeFailures: 0 });
    backoff.recordFailure("user:alice", T0);
    backoff.recordSuccess("user:alice");
    assert.deepEqual(backoff.check("user:alice", T0), { allowed: true });
    assert.equal(backoff.size, 0);
  });

  it("drops a stale entry when it is checked", () => {
    const backoff = new LoginBackoff({ windowMs: MINUTE });
    backoff.recordFailure("k", T0);
    assert.equal(backoff.size, 1);
    backoff.check("k", T0 + MINUTE + 1);
    assert.equal(backoff.size, 0);
  });
});

describe("LoginBackoff: bounded memory under a flood of keys", () => {
  it("never remembers more than maxKeys, forgetting the key that failed longest ago", () => {
    const backoff = new LoginBackoff({ maxKeys: 100, freeFailures: 0 });
    for (let i = 0; i < 10_000; i++) backoff.recordFailure(`ip:10.0.${i >> 8}.${i & 255}`, T0 + i);
    assert.equal(backoff.size, 100);
    assert.deepEqual(backoff.check("ip:10.0.0.0", T0 + 10_000), { allowed: true });
  });

  it("keeps a locked key that is still being tried while a flood evicts idle keys", () => {
    const backoff = new LoginBackoff({ maxKeys: 10, lockoutThreshold: 3 });
    failRepeatedly(backoff, "user:alice", 3);
    for (let i = 0; i < 9; i++) backoff.recordFailure(`ip:${i}`, T0 + i);
    assert.equal(backoff.check("user:alice", T0 + 10 * SECOND).allowed, false); // the attacker tries again
    backoff.recordFailure("ip:flood", T0 + 11 * SECOND);
    assert.equal(backoff.size, 10);
    assert.equal(backoff.check("user:alice", T0 + 12 * SECOND).allowed, false);
  });

  it("forgets an idle locked key first when the table is full (size maxKeys above normal churn)", () => {
    const backoff = new LoginBackoff({ maxKeys: 10, lockoutThreshold: 3 });
    failRepeatedly(backoff, "user:alice", 3);
    for (let i = 0; i < 10; i++) backoff.recordFailure(`ip:${i}`, T0 + i);
    assert.equal(backoff.size, 10);
    assert.deepEqual(backoff.check("user:alice", T0 + 10 * SECOND), { allowed: true });
  });

  it("stores attacker-sized keys by hash, and still tells them apart", () => {
    const backoff = new LoginBackoff({ freeFailures: 0 });
    const long = `user:${"a".repeat(1_000_000)}`;
    backoff.recordFailure(long, T0);
    assert.equal(backoff.check(long, T0).allowed, false);
    assert.equal(backoff.check(`${long}b`, T0).allowed, true);
  });
});

describe("LoginBackoff: configuration and clock", () => {
  it("refuses options that are not positive integers", () => {
    for (const bad of [{ maxKeys: 0 }, { lockoutThreshold: 0 }, { windowMs: -1 }, { baseDelayMs: Number.NaN }, { freeFailures: -1 }, { lockoutMs: 1.5 }]) {
      assert.throws(() => new LoginBackoff(bad), { code: "BWK_INVALID_ARGUMENT" }, JSON.stringify(bad));
    }
  });

  it("refuses a non-finite clock instead of poisoning the entry", () => {
    const backoff = new LoginBackoff();
    assert.throws(() => backoff.recordFailure("k", Number.NaN), { code: "BWK_INVALID_ARGUMENT" });
    assert.throws(() => backoff.check("k", Number.POSITIVE_INFINITY), { code: "BWK_INVALID_ARGUMENT" });
    assert.equal(backoff.size, 0);
  });

  it("stays blocked if the clock steps backwards", () => {
    const backoff = new LoginBackoff({ freeFailures: 0 });
    backoff.recordFailure("k", T0);
    assert.equal(backoff.check("k", T0 - MINUTE).allowed, false);
  });
});

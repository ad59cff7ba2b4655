// The verified-token cache: what it keeps, for how long, and that it never outlives a token.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { VerifiedTokens } from "../../../src/edge/auth/verified-tokens.ts";

const NOW = 1_700_000_000_000;
const inSeconds = (s: number) => NOW / 1000 + s;

describe("VerifiedTokens", () => {
  it("returns what a token verified to, and nothing for another token", () => {
    const cache = new VerifiedTokens<string>();
    cache.set("token-a", "alice", inSeconds(30), NOW);
    assert.equal(cache.get("token-a", NOW + 1), "alice");
    assert.equal(cache.get("token-a.", NOW + 1), undefined);
  });

  it("drops an entry at the token's exp", () => {
    const cache = new VerifiedTokens<string>({ maxAgeMs: 3_600_000 });
    cache.set("t", "alice", inSeconds(10), NOW);
    assert.equal(cache.get("t", NOW + 9_999), "alice");
    assert.equal(cache.get("t", NOW + 10_000), undefined);
    assert.equal(cache.size, 0);
  });

  it("trusts an entry no longer than maxAgeMs, however far away exp is", () => {
    const cache = new VerifiedTokens<string>({ maxAgeMs: 5_000 });
    cache.set("t", "alice", inSeconds(3600), NOW);
    assert.equal(cache.get("t", NOW + 4_999), "alice");
    assert.equal(cache.get("t", NOW + 5_000), undefined);
  });

  it("does not keep a token that has already expired", () => {
    const cache = new VerifiedTokens<string>();
    cache.set("t", "alice", inSeconds(-1), NOW);
    cache.set("u", "bob", inSeconds(0), NOW);
    assert.equal(cache.size, 0);
  });

  it("holds at most maxEntries, dropping the oldest", () => {
    const cache = new VerifiedTokens<number>({ maxEntries: 3 });
    for (let i = 0; i < 5; i++) cache.set(`t${i}`, i, inSeconds(60), NOW);
    assert.equal(cache.size, 3);
    assert.equal(cache.get("t0", NOW), undefined);
    assert.equal(cache.get("t1", NOW), undefined);
    assert.deepEqual([2, 3, 4].map((i) => cache.get(`t${i}`, NOW)), [2, 3, 4]);
  });
});

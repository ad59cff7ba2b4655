// The app's rate limits as live buckets: per address, per key, per subject, per route, and the
// block an address earns by failing to authenticate too often (CWE-307). Time is passed in.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RateLimits, RouteBucket } from "../../src/edge/rate-limits.ts";

const rate = (perSecond: number, burst: number) => ({ perSecond, burst, text: `${perSecond}/s` });

describe("RateLimits", () => {
  it("has the defaults on when the manifest says nothing: 100/s burst 200 per address", () => {
    const limits = new RateLimits(undefined);
    for (let i = 0; i < 200; i++) assert.equal(limits.takeIp("203.0.113.1", 0), undefined);
    assert.deepEqual(limits.takeIp("203.0.113.1", 0), { limit: "perIp", rate: "100/s", retryAfterSeconds: 1 });
    assert.equal(limits.takeIp("203.0.113.2", 0), undefined, "another address has its own bucket");
  });

  it("switches a limit off", () => {
    const limits = new RateLimits({ perIp: "off" });
    for (let i = 0; i < 1000; i++) assert.equal(limits.takeIp("203.0.113.1", 0), undefined);
  });

  it("keeps keys and subjects apart, even with the same name", () => {
    const limits = new RateLimits({ perKey: rate(1, 1), perSubject: rate(1, 1) });
    assert.equal(limits.takePrincipal("apiKey", "ci", 0), undefined);
    assert.equal(limits.takePrincipal("jwt", "ci", 0), undefined);
    assert.equal(limits.takePrincipal("apiKey", "ci", 0)?.limit, "perKey");
    assert.equal(limits.takePrincipal("jwt", "ci", 0)?.limit, "perSubject");
    assert.equal(limits.takePrincipal("apiKey", "ci", 1000), undefined, "refilled a second later");
  });

  it("blocks an address that spent its auth-failure budget, then lets it try again", () => {
    const limits = new RateLimits({ authFailuresPerIp: { perSecond: 1 / 60, burst: 3, text: "3/m" } });
    for (let i = 0; i < 3; i++) limits.noteAuthFailure("198.51.100.9", 0);
    assert.equal(limits.takeIp("198.51.100.9", 0), undefined, "three failures are within the budget");
    limits.noteAuthFailure("198.51.100.9", 0);
    const refused = limits.takeIp("198.51.100.9", 1000);
    assert.equal(refused?.limit, "authFailuresPerIp");
    assert.equal(refused?.retryAfterSeconds, 59);
    assert.equal(limits.takeIp("198.51.100.10", 1000), undefined, "other addresses are not blocked");
    assert.equal(limits.takeIp("198.51.100.9", 61_000), undefined, "the block ends when a token has refilled");
  });

  it("counts an IPv6 client by its /64 and a mapped IPv4 client as its IPv4 address: hopping addresses buys no tokens", () => {
    const limits = new RateLimits({ perIp: rate(1 / 60, 2), authFailuresPerIp: { perSecond: 1 / 60, burst: 1, text: "1/m" } });
    assert.equal(limits.takeIp("2001:db8:7:7::1", 0), undefined);
    assert.equal(limits.takeIp("2001:db8:7:7:ffff::2", 0), undefined);
    assert.equal(limits.takeIp("2001:db8:7:7::3", 0)?.limit, "perIp");
    assert.equal(limits.takeIp("2001:db8:7:8::1", 0), undefined, "the next /64 is another client");
    assert.equal(limits.takeIp("192.0.2.7", 0), undefined);
    assert.equal(limits.takeIp("::ffff:192.0.2.7", 0), undefined);
    assert.equal(limits.takeIp("::ffff:c000:207", 0)?.limit, "perIp");
    for (const ip of ["2001:db8:9:9::1", "2001:db8:9:9::2"]) limits.noteAuthFailure(ip, 0);
    assert.equal(limits.takeIp("2001:db8:9:9::3", 0)?.limit, "authFailuresPerIp");
  });

  it("has the same signature for the same limits, so a redeploy keeps the buckets", () => {
    assert.equal(new RateLimits({ perIp: rate(5, 5) }).signature, new RateLimits({ perIp: rate(5, 5) }).signature);
    assert.notEqual(new RateLimits({ perIp: rate(5, 5) }).signature, new RateLimits(undefined).signature);
  });
});

describe("RouteBucket", () => {
  it("is one bucket shared by every caller of the route", () => {
    const bucket = new RouteBucket(rate(1, 2));
    assert.equal(bucket.take(0), undefined);
    assert.equal(bucket.take(0), undefined);
    assert.deepEqual(bucket.take(0), { limit: "route", rate: "1/s", retryAfterSeconds: 1 });
  });
});

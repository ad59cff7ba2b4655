import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatDuration, formatSize, parseDuration, parseSize } from "../../../src/core/manifest/units.ts";

describe("parseSize", () => {
  it("reads binary units and plain bytes", () => {
    assert.equal(parseSize("512Ki"), 512 * 1024);
    assert.equal(parseSize("128Mi"), 128 * 1024 ** 2);
    assert.equal(parseSize("1Gi"), 1024 ** 3);
    assert.equal(parseSize("134217728"), 134217728);
    assert.equal(parseSize("0"), 0);
  });

  it("refuses decimal units instead of guessing 10^6 or 2^20", () => {
    for (const s of ["64M", "1G", "512K", "64MB", "1GiB", "64m"]) assert.throws(() => parseSize(s), /binary units/, s);
  });

  it("refuses negatives, fractions, spaces, unknown units and garbage", () => {
    assert.throws(() => parseSize("-1Mi"), /negative/);
    assert.throws(() => parseSize("1.5Gi"), /whole number/);
    for (const s of ["", " 128Mi", "128 Mi", "128mi", "1Ti", "lots", "0x10", "1e6", "Mi"]) {
      assert.throws(() => parseSize(s), Error, JSON.stringify(s));
    }
  });

  it("refuses numbers past the safe integer range", () => {
    assert.throws(() => parseSize("9999999999999999Gi"), /too large/);
    assert.throws(() => parseSize("1".repeat(17)), Error);
  });
});

describe("parseDuration", () => {
  it("reads ms, s, m and h", () => {
    assert.equal(parseDuration("500ms"), 500);
    assert.equal(parseDuration("5s"), 5000);
    assert.equal(parseDuration("2m"), 120_000);
    assert.equal(parseDuration("1h"), 3_600_000);
    assert.equal(parseDuration("0s"), 0);
  });

  it("asks for a unit when there is none", () => {
    assert.throws(() => parseDuration("500"), /unit/);
  });

  it("refuses negatives, fractions, compounds and garbage", () => {
    assert.throws(() => parseDuration("-5s"), /negative/);
    assert.throws(() => parseDuration("1.5s"), /whole number/);
    for (const s of ["", "1m30s", "5 s", "5S", "5d", "5sec", "PT5S", "soon", "Infinity"]) {
      assert.throws(() => parseDuration(s), Error, JSON.stringify(s));
    }
  });

  it("refuses numbers past the safe integer range", () => {
    assert.throws(() => parseDuration("999999999999999h"), /too large/);
  });
});

describe("formatSize and formatDuration", () => {
  it("write values back in the largest exact unit", () => {
    assert.equal(formatSize(64 * 1024 ** 2), "64Mi");
    assert.equal(formatSize(4 * 1024 ** 3), "4Gi");
    assert.equal(formatSize(1536), "1536");
    assert.equal(formatDuration(900_000), "15m");
    assert.equal(formatDuration(100), "100ms");
    assert.equal(formatDuration(90_000), "90s");
  });
});

describe("error reasons", () => {
  it("echo the input escaped and truncated, never raw control characters", () => {
    const error = (() => {
      try {
        parseSize(`\u001b[31m${"x".repeat(500)}`);
      } catch (e) {
        return e as Error;
      }
      return assert.fail("expected an error");
    })();
    assert.doesNotMatch(error.message, /\u001b/);
    assert.ok(error.message.length < 200);
  });
});

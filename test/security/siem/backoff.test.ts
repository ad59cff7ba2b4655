import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { backoffDelay } from "../../../src/security/siem/backoff.ts";

const policy = { baseMs: 100, maxMs: 1_000 };

describe("backoffDelay", () => {
  it("doubles per consecutive failure up to maxMs", () => {
    const top = () => 1;
    assert.deepEqual([1, 2, 3, 4, 5, 50].map((n) => backoffDelay(n, policy, top)), [100, 200, 400, 800, 1000, 1000]);
  });

  it("randomizes the second half of the wait and never goes below half", () => {
    assert.equal(backoffDelay(3, policy, () => 0), 200);
    assert.equal(backoffDelay(3, policy, () => 0.5), 300);
  });

  it("stays finite for absurd failure counts", () => {
    assert.equal(backoffDelay(Number.MAX_SAFE_INTEGER, policy, () => 1), 1000);
  });
});

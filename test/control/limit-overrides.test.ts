// The LimitOverrides service: a second `set` keeps what the first set (a brake is not released by
// another), sandboxes are retired only when the concurrency changes, `clear` lifts it per stage,
// and it starts from what the store kept.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { describe, it } from "node:test";
import { LimitOverrides } from "../../src/control/limit-overrides.ts";
import { overrideOf } from "../../src/core/limit-override.ts";
import { SqliteLimitOverrideStore } from "../../src/store/sqlite/limit-overrides.ts";

function fixture(db = new DatabaseSync(":memory:")) {
  const retired: string[] = [];
  const limits = new LimitOverrides(new SqliteLimitOverrideStore(db), async (stage, fn) => {
    retired.push(`${stage}:${fn}:${limits.concurrency(stage, fn) ?? "manifest"}`);
  });
  return { db, retired, limits };
}

const AT = new Date("2025-01-01T00:00:00.000Z");

describe("LimitOverrides", () => {
  it("merges a second set into the first and retires sandboxes only when the concurrency changes, after it changed", async () => {
    const { limits, retired } = fixture();
    await limits.set("prod", "charge", overrideOf({ rate: "1/s" }), "olga", AT);
    assert.deepEqual(retired, []);
    await limits.set("prod", "charge", overrideOf({ concurrency: 2 }), "otto", AT);
    assert.deepEqual(retired, ["prod:charge:2"]);
    assert.deepEqual(limits.list("prod"), [{ stage: "prod", function: "charge", rate: "1/s", concurrency: 2, by: "otto", at: AT.toISOString() }]);
    assert.equal(limits.rate("prod", "charge")?.perSecond, 1);
    assert.equal(limits.rate("dev", "charge"), undefined, "another stage is not braked");
  });

  it("clears: the rate and the cap are gone, the sandboxes retired, and a second clear is BWK_NOT_FOUND", async () => {
    const { limits, retired } = fixture();
    await limits.set("dev", "charge", overrideOf({ rate: "5/m", concurrency: 1 }), "olga", AT);
    const cleared = await limits.clear("dev", "charge");
    assert.deepEqual([cleared.rate, cleared.concurrency], ["5/m", 1]);
    assert.deepEqual(retired, ["dev:charge:1", "dev:charge:manifest"]);
    assert.equal(limits.rate("dev", "charge"), undefined);
    await assert.rejects(limits.clear("dev", "charge"), { code: "BWK_NOT_FOUND" });
  });

  it("starts from what the store kept", async () => {
    const { db, limits } = fixture();
    await limits.set("prod", "charge", overrideOf({ rate: "600/m" }), "olga", AT);
    const reopened = fixture(db).limits;
    assert.deepEqual(reopened.rate("prod", "charge"), { perSecond: 10, burst: 600, text: "600/m" });
    assert.equal(reopened.concurrency("prod", "charge"), undefined);
  });
});

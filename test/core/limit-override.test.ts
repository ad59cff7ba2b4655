// The tighten-only rule of limit overrides: an operator's override may lower a function's
// concurrency and rate, never raise them above what was deployed; rates parse as in a manifest.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { deployedRate, overrideOf, refuseLoosening } from "../../src/core/limit-override.ts";
import type { FunctionSpec, HttpTrigger } from "../../src/core/manifest/types.ts";

function spec(concurrency: number, routeRates: Array<string | undefined>): FunctionSpec {
  const triggers = routeRates.map((rate, i) => ({
    kind: "http",
    method: "GET",
    path: `/r${i}`,
    ...(rate === undefined ? {} : { rateLimit: overrideOf({ rate }).rate }),
  })) as HttpTrigger[];
  return { name: "charge", concurrency, triggers } as unknown as FunctionSpec;
}

const refusal = (fn: () => void) => assert.throws(fn, (e: { code?: string; message: string }) => e.code === "BWK_INVALID_ARGUMENT" && /can only tighten/.test(e.message));

describe("limit overrides only tighten", () => {
  it("accepts a concurrency at or below the deployed one and refuses one above it", () => {
    assert.doesNotThrow(() => refuseLoosening({ concurrency: 2 }, spec(8, [])));
    assert.doesNotThrow(() => refuseLoosening({ concurrency: 8 }, spec(8, [])));
    refusal(() => refuseLoosening({ concurrency: 9 }, spec(8, [])));
  });

  it("compares a rate with the sum of the function's route buckets, rate and burst", () => {
    const deployed = spec(8, ["10/s", "5/s"]);
    assert.equal(deployedRate(deployed)?.perSecond, 15);
    assert.doesNotThrow(() => refuseLoosening(overrideOf({ rate: "15/s" }), deployed));
    refusal(() => refuseLoosening(overrideOf({ rate: "16/s" }), deployed));
    // 900/m is 15/s but bursts 900 at once: looser than the deployed buckets' 15.
    refusal(() => refuseLoosening(overrideOf({ rate: "900/m" }), deployed));
  });

  it("accepts any rate for a function with a route that has no bucket of its own", () => {
    assert.equal(deployedRate(spec(8, ["1/s", undefined])), undefined);
    assert.doesNotThrow(() => refuseLoosening(overrideOf({ rate: "1000/s" }), spec(8, ["1/s", undefined])));
  });

  it("parses rates with the manifest's parser and refuses malformed input", () => {
    assert.deepEqual(overrideOf({ rate: "600/m" }).rate, { perSecond: 10, burst: 600, text: "600/m" });
    for (const body of [{}, null, { rate: "fast" }, { rate: "0/s" }, { rate: "off" }, { rate: 10 }, { concurrency: 0 }, { concurrency: 1.5 }, { concurrency: "2" }]) {
      assert.throws(() => overrideOf(body), { code: "BWK_INVALID_ARGUMENT" }, JSON.stringify(body));
    }
  });
});

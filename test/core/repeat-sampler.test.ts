// RepeatSampler: one recorded event per key and window, the folded count carried by the next one.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { RepeatSampler } from "../../src/core/repeat-sampler.ts";

describe("RepeatSampler", () => {
  it("records the first refusal of a key, folds the rest of its window, and reports them with the next", () => {
    const sampler = new RepeatSampler({ windowMs: 1000 });
    assert.equal(sampler.admit("ip|1.2.3.4", 0), 0);
    for (let t = 1; t < 1000; t += 100) assert.equal(sampler.admit("ip|1.2.3.4", t), undefined);
    assert.equal(sampler.admit("ip|1.2.3.4", 1000), 10);
    assert.equal(sampler.admit("ip|1.2.3.4", 1001), undefined);
  });

  it("keeps keys apart", () => {
    const sampler = new RepeatSampler({ windowMs: 1000 });
    assert.equal(sampler.admit("a", 0), 0);
    assert.equal(sampler.admit("b", 1), 0);
    assert.equal(sampler.admit("a", 2), undefined);
  });

  it("remembers at most maxKeys: a flood of distinct keys cannot grow it without bound", () => {
    const sampler = new RepeatSampler({ windowMs: 1_000_000, maxKeys: 3 });
    for (const key of ["a", "b", "c", "d"]) assert.equal(sampler.admit(key, 0), 0);
    // "a" was forgotten to make room: its next refusal is recorded again.
    assert.equal(sampler.admit("a", 1), 0);
    assert.equal(sampler.admit("d", 1), undefined);
  });
});

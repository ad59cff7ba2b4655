// RepeatSampler: the first refusal of a key and window recorded at once, the window's last recorded
// when it ends with the count folded before it, so every refusal is accounted for. The clock and
// the sampler's timer are node:test's mock timers: nothing here waits.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it, mock } from "node:test";
import { RepeatSampler } from "../../src/core/repeat-sampler.ts";

describe("RepeatSampler", () => {
  beforeEach(() => mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 }));
  afterEach(() => mock.timers.reset());

  /** Refusals of `key` at the mock clock's time; returns what was recorded, as [key, suppressed, at]. */
  function recorder(sampler: RepeatSampler) {
    const recorded: Array<[string, number, number]> = [];
    const refuse = (key: string) => sampler.admit(key, Date.now(), (suppressed) => recorded.push([key, suppressed, Date.now()]));
    return { recorded, refuse };
  }

  it("records the first refusal at once and the window's last, with the count before it, when the window ends", () => {
    const { recorded, refuse } = recorder(new RepeatSampler({ windowMs: 1000 }));
    refuse("ip|1.2.3.4");
    for (let i = 0; i < 10; i++) {
      mock.timers.tick(50);
      refuse("ip|1.2.3.4");
    }
    assert.deepEqual(recorded, [["ip|1.2.3.4", 0, 0]]);

    mock.timers.tick(499);
    assert.equal(recorded.length, 1, "the window has not ended");
    mock.timers.tick(1);
    assert.deepEqual(recorded, [["ip|1.2.3.4", 0, 0], ["ip|1.2.3.4", 9, 1000]]);
  });

  it("accounts for every refusal of a flood that just stops: the events' 1 + suppressed sum to the refusals", () => {
    const { recorded, refuse } = recorder(new RepeatSampler({ windowMs: 1000 }));
    for (let i = 0; i < 250; i++) {
      refuse("k");
      mock.timers.tick(10);
    }
    mock.timers.tick(10_000);
    assert.equal(recorded.reduce((sum, [, suppressed]) => sum + 1 + suppressed, 0), 250);
    assert.equal(recorded.length, 6, "a first and a last per window of 100");
  });

  it("records a lone refusal once: a window with nothing folded ends silently", () => {
    const { recorded, refuse } = recorder(new RepeatSampler({ windowMs: 1000 }));
    refuse("a");
    mock.timers.tick(5000);
    refuse("a");
    assert.deepEqual(recorded, [["a", 0, 0], ["a", 0, 5000]]);
  });

  it("keeps keys apart, each window ending on its own time with one timer", () => {
    const { recorded, refuse } = recorder(new RepeatSampler({ windowMs: 1000 }));
    refuse("a");
    mock.timers.tick(300);
    refuse("b");
    refuse("a");
    refuse("b");
    mock.timers.tick(700);
    assert.deepEqual(recorded.slice(2), [["a", 0, 1000]]);
    mock.timers.tick(300);
    assert.deepEqual(recorded.slice(2), [["a", 0, 1000], ["b", 0, 1300]]);
  });

  it("records a window that ended before its timer ran ahead of the refusal that opens the next", () => {
    const sampler = new RepeatSampler({ windowMs: 1000 });
    const recorded: number[] = [];
    sampler.admit("k", 0, (s) => recorded.push(s));
    sampler.admit("k", 10, (s) => recorded.push(s));
    sampler.admit("k", 20, (s) => recorded.push(s));
    sampler.admit("k", 1500, (s) => recorded.push(s + 100));
    assert.deepEqual(recorded, [0, 1, 100]);
  });

  it("records every folded count at flush (the platform stops) and nothing after", () => {
    const sampler = new RepeatSampler({ windowMs: 10_000 });
    const { recorded, refuse } = recorder(sampler);
    for (const key of ["a", "a", "a", "b", "c", "c"]) refuse(key);
    sampler.flush();
    assert.deepEqual(recorded.map(([key, suppressed]) => [key, suppressed]), [["a", 0], ["b", 0], ["c", 0], ["a", 1], ["c", 0]]);
    mock.timers.tick(60_000);
    assert.equal(recorded.length, 5, "the timer is gone with the windows");
  });

  it("remembers at most maxKeys: a flood of distinct keys ends the oldest window early, its count recorded", () => {
    const { recorded, refuse } = recorder(new RepeatSampler({ windowMs: 1_000_000, maxKeys: 3 }));
    for (const key of ["a", "a", "b", "c", "d"]) refuse(key);
    assert.deepEqual(recorded.map(([key, suppressed]) => [key, suppressed]), [["a", 0], ["b", 0], ["c", 0], ["a", 0], ["d", 0]]);
    refuse("a");
    assert.equal(recorded.at(-1)?.[0], "a", "a was forgotten: its next refusal is recorded again");
  });
});

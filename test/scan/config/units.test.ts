// Sizes and durations as bulwark.yaml writes them.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { durationMs, sizeBytes } from "../../../src/scan/config/units.ts";

describe("units", () => {
  it("reads durations", () => {
    assert.equal(durationMs("500ms"), 500);
    assert.equal(durationMs("5s"), 5000);
    assert.equal(durationMs("2m"), 120_000);
    assert.equal(durationMs("1h"), 3_600_000);
    assert.equal(durationMs("soon"), null);
  });

  it("reads sizes; a bare number is bytes, as in bulwark.yaml", () => {
    assert.equal(sizeBytes("128Mi"), 128 * 1024 ** 2);
    assert.equal(sizeBytes("2Gi"), 2 * 1024 ** 3);
    assert.equal(sizeBytes("1G"), 1e9);
    assert.equal(sizeBytes(134217728), 134217728);
    assert.equal(sizeBytes("lots"), null);
  });
});

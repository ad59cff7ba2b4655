// Threat-intel feeds as the control API takes them: parsed as if anyone sent them, stored with
// their expiry, and applied to the edge's deny list at once. Time is passed in.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { describe, it } from "node:test";
import { ThreatIntel } from "../../src/control/intel.ts";
import { BulwarkError } from "../../src/core/errors.ts";
import { EdgeShield } from "../../src/edge/shield.ts";
import { SqliteIntelStore } from "../../src/store/sqlite/intel.ts";

const NOW = Date.parse("2025-06-01T00:00:00Z");

function setup() {
  const db = new DatabaseSync(":memory:");
  const shield = new EdgeShield({ bodyLimitBytes: 1024, bodyTimeoutMs: 1000 });
  return { db, shield, intel: new ThreatIntel(new SqliteIntelStore(db), shield) };
}

const bundle = (objects: unknown[]) => JSON.stringify({ type: "bundle", id: "bundle--1", objects });

describe("ThreatIntel", () => {
  it("imports a STIX bundle and denies its addresses at once, without a restart", () => {
    const { intel, shield } = setup();
    const result = intel.import(
      {
        feed: "acme",
        content: bundle([
          { type: "indicator", id: "indicator--a", pattern_type: "stix", pattern: "[ipv4-addr:value = '127.0.0.1']", valid_until: "2025-06-02T00:00:00Z" },
          { type: "ipv6-addr", id: "ipv6-addr--b", value: "2001:db8::/32" },
        ]),
      },
      NOW,
    );
    assert.deepEqual(result, { feed: "acme", format: "stix", stored: 2, errors: [] });
    assert.equal(shield.ipFilter.decide("127.0.0.1", NOW).allowed, false);
    assert.equal(shield.ipFilter.decide("2001:db8::7", NOW).allowed, false);
    assert.equal(shield.ipFilter.decide("127.0.0.1", Date.parse("2025-06-02T00:00:00Z")).allowed, true, "valid_until ends it");
  });

  it("drops expired indicators from the store and the filter", () => {
    const { intel } = setup();
    intel.import({ feed: "f", content: "192.0.2.1\n", expiresInMs: 60_000 }, NOW);
    assert.equal(intel.list(NOW).length, 1);
    assert.equal(intel.list(NOW + 60_000).length, 0);
    // Already expired in the feed: nothing stored.
    const stale = intel.import({ feed: "g", content: bundle([{ type: "indicator", id: "indicator--s", pattern_type: "stix", pattern: "[ipv4-addr:value = '192.0.2.2']", valid_until: "2020-01-01T00:00:00Z" }]) }, NOW);
    assert.equal(stale.stored, 0);
  });

  it("takes the earlier of the feed's valid_until and --expires", () => {
    const { intel } = setup();
    intel.import({ feed: "f", content: bundle([{ type: "indicator", id: "indicator--x", pattern_type: "stix", pattern: "[ipv4-addr:value = '192.0.2.3']", valid_until: "2030-01-01T00:00:00Z" }]), expiresInMs: 1000 }, NOW);
    assert.equal(intel.list(NOW)[0]?.expiresAt, NOW + 1000);
  });

  it("reports bad lines and refuses networks too broad for a feed (a poisoned 0.0.0.0/0)", () => {
    const { intel, shield } = setup();
    const result = intel.import({ feed: "f", content: "203.0.113.5\nnot-an-ip\n0.0.0.0/0\n::/0\n10.0.0.0/7\n" }, NOW);
    assert.equal(result.stored, 1);
    assert.equal(result.errors.length, 4);
    assert.equal(shield.ipFilter.decide("8.8.8.8", NOW).allowed, true);
  });

  it("removes by address, whichever feed named it, and by feed", () => {
    const { intel, shield } = setup();
    intel.import({ feed: "a", content: "198.51.100.1\n198.51.100.2\n" }, NOW);
    intel.import({ feed: "b", content: "198.51.100.1\n" }, NOW);
    assert.deepEqual(intel.remove({ cidrs: ["198.51.100.1"] }, NOW), { removed: 2 });
    assert.equal(shield.ipFilter.decide("198.51.100.1", NOW).allowed, true);
    assert.deepEqual(intel.remove({ feed: "a" }, NOW), { removed: 1 });
    assert.equal(intel.list(NOW).length, 0);
  });

  it("re-importing a feed refreshes its entries instead of duplicating them", () => {
    const { intel } = setup();
    intel.import({ feed: "a", content: "198.51.100.1\n" }, NOW);
    intel.import({ feed: "a", content: "198.51.100.1\n" }, NOW);
    assert.equal(intel.list(NOW).length, 1);
  });

  it("refuses requests that are not a feed", () => {
    const { intel } = setup();
    for (const body of [{}, { feed: "a" }, { feed: "../x", content: "" }, { feed: "a", content: "", format: "csv" }, { feed: "a", content: "", expiresInMs: -1 }]) {
      assert.throws(() => intel.import(body, NOW), (e: unknown) => e instanceof BulwarkError && e.code === "BWK_INVALID_ARGUMENT");
    }
    assert.throws(() => intel.import({ feed: "a", content: "{ not json" }, NOW), (e: unknown) => e instanceof BulwarkError);
    assert.throws(() => intel.remove({ cidrs: ["nope"] }, NOW), (e: unknown) => e instanceof BulwarkError && e.code === "BWK_INVALID_ARGUMENT");
  });
});

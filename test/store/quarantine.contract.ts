// The contract every QuarantineStore adapter passes: run it from each adapter's test file.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { QuarantineEntry, QuarantineStore } from "../../src/store/quarantine.ts";

function entry(stage: string, fn: string, extra: Partial<QuarantineEntry> = {}): QuarantineEntry {
  return { stage, function: fn, reason: "exfiltration suspected", by: "olga", at: "2025-01-01T00:00:00.000Z", ...extra };
}

/** `open(name)` opens the store named `name`; the same name twice is the same store, reopened. */
export function quarantineStoreContract(name: string, open: (name: string) => QuarantineStore): void {
  describe(`${name} (QuarantineStore contract)`, () => {
    it("keeps entries per stage and function, ordered by stage then function", () => {
      const store = open("a");
      store.put(entry("prod", "charge"));
      store.put(entry("dev", "charge"));
      store.put(entry("prod", "audit"));
      assert.deepEqual(store.list(), [entry("dev", "charge"), entry("prod", "audit"), entry("prod", "charge")]);
    });

    it("replaces the entry of a function quarantined again", () => {
      const store = open("b");
      store.put(entry("prod", "charge"));
      store.put(entry("prod", "charge", { reason: "still suspicious", by: "rita", at: "2025-01-02T00:00:00.000Z" }));
      assert.deepEqual(store.list(), [entry("prod", "charge", { reason: "still suspicious", by: "rita", at: "2025-01-02T00:00:00.000Z" })]);
    });

    it("removes one stage's entry only, and says whether there was one", () => {
      const store = open("c");
      store.put(entry("prod", "charge"));
      store.put(entry("dev", "charge"));
      assert.equal(store.remove("prod", "charge"), true);
      assert.equal(store.remove("prod", "charge"), false);
      assert.deepEqual(store.list(), [entry("dev", "charge")]);
    });

    it("keeps what it holds when reopened", () => {
      open("d").put(entry("prod", "charge"));
      assert.deepEqual(open("d").list(), [entry("prod", "charge")]);
    });
  });
}

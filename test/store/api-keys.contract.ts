// The contract every ApiKeyStore adapter passes: run it from each adapter's test file.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { BulwarkError } from "../../src/core/errors.ts";
import type { ApiKeyRecord, ApiKeyStore } from "../../src/store/api-keys.ts";

function record(name: string, extra: Partial<ApiKeyRecord> = {}): ApiKeyRecord {
  return {
    name,
    prefix: "bwk_AbCd",
    scope: { routes: ["GET /orders"], functions: [] },
    roles: ["ops"],
    createdAt: "2025-01-01T00:00:00.000Z",
    expiresAt: null,
    revokedAt: null,
    ...extra,
  };
}

export function apiKeyStoreContract(name: string, open: () => ApiKeyStore): void {
  describe(`${name} (ApiKeyStore contract)`, () => {
    it("finds a key by its hash with everything it was stored with", () => {
      const store = open();
      store.insert(record("ci", { expiresAt: "2025-02-01T00:00:00.000Z" }), "h1");
      assert.deepEqual(store.findByHash("h1"), record("ci", { expiresAt: "2025-02-01T00:00:00.000Z" }));
      assert.equal(store.findByHash("h2"), undefined);
    });

    it("refuses a second key with a taken name, even a revoked one's", () => {
      const store = open();
      store.insert(record("ci"), "h1");
      store.revoke("ci", "2025-01-02T00:00:00.000Z");
      assert.throws(() => store.insert(record("ci"), "h2"), (e: unknown) => e instanceof BulwarkError && e.code === "BWK_INVALID_ARGUMENT");
      assert.equal(store.findByHash("h2"), undefined);
    });

    it("revokes at once and keeps the first revocation time", () => {
      const store = open();
      store.insert(record("ci"), "h1");
      assert.equal(store.revoke("ci", "2025-01-02T00:00:00.000Z")?.revokedAt, "2025-01-02T00:00:00.000Z");
      assert.equal(store.findByHash("h1")?.revokedAt, "2025-01-02T00:00:00.000Z");
      assert.equal(store.revoke("ci", "2025-01-03T00:00:00.000Z")?.revokedAt, "2025-01-02T00:00:00.000Z");
      assert.equal(store.revoke("nobody", "2025-01-03T00:00:00.000Z"), undefined);
    });

    it("lists every key, revoked ones too, in creation order, without hashes", () => {
      const store = open();
      store.insert(record("b", { createdAt: "2025-01-02T00:00:00.000Z" }), "hb");
      store.insert(record("a", { createdAt: "2025-01-03T00:00:00.000Z" }), "ha");
      store.revoke("b", "2025-01-04T00:00:00.000Z");
      const listed = store.list();
      assert.deepEqual(listed.map((k) => k.name), ["b", "a"]);
      assert.ok(!JSON.stringify(listed).includes("hb"));
    });
  });
}

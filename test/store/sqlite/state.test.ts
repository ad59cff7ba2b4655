// The state store's deployer column: every new version names who deployed it (logs.read.own asks),
// and a data dir made before the column existed opens with its versions ownerless.
import assert from "node:assert/strict";
import { DatabaseSync } from "node:sqlite";
import { describe, it } from "node:test";
import type { FunctionSpec } from "../../../src/core/manifest/types.ts";
import { SqliteStateStore } from "../../../src/store/sqlite/state.ts";

const spec = (name: string, handler = "h.js") => ({ name, handler, triggers: [] }) as unknown as FunctionSpec;

describe("SqliteStateStore: who deployed each version", () => {
  it("records the deployer of new versions and keeps it for unchanged ones", () => {
    const state = new SqliteStateStore(new DatabaseSync(":memory:"));
    state.deploy("shop", [{ spec: spec("charge"), bundleHash: "a" }], "dana");
    state.deploy("shop", [{ spec: spec("charge"), bundleHash: "a" }], "devon");
    state.deploy("shop", [{ spec: spec("charge"), bundleHash: "b" }], "ci:ci_1");
    assert.deepEqual(state.versions("charge").map((v) => [v.version, v.deployedBy]), [[1, "dana"], [2, "ci:ci_1"]]);
  });

  it("migrates a data dir from before the column: old versions have no deployer", () => {
    const db = new DatabaseSync(":memory:");
    db.exec(`CREATE TABLE versions (function TEXT NOT NULL, version INTEGER NOT NULL, app TEXT NOT NULL,
      bundle_hash TEXT NOT NULL, spec TEXT NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY (function, version))`);
    db.prepare("INSERT INTO versions VALUES ('charge', 1, 'shop', 'a', ?, '2024-01-01T00:00:00Z')").run(JSON.stringify(spec("charge")));
    const state = new SqliteStateStore(db);
    state.deploy("shop", [{ spec: spec("charge"), bundleHash: "b" }], "dana");
    assert.deepEqual(state.versions("charge").map((v) => [v.version, v.deployedBy]), [[1, null], [2, "dana"]]);
  });
});

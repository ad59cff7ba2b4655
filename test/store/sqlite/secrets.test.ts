// The SQLite secrets adapter: versions only grow (also across rm and a new set), create and
// rotate refuse the wrong state, and pruning keeps the newest versions.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openDatabase } from "../../../src/store/sqlite/open.ts";
import { SqliteSecretStore } from "../../../src/store/sqlite/secrets.ts";

const dir = mkdtempSync(join(tmpdir(), "bulwark-secrets-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => new SqliteSecretStore(openDatabase(join(dir, `s-${++n}.db`)));
const seal = (tag: string) => (version: number) => ({ wrappedKey: Buffer.from(`wk-${version}`), ciphertext: Buffer.from(`${tag}-${version}`) });

describe("SqliteSecretStore", () => {
  it("numbers versions from 1 and serves the newest", () => {
    const store = fresh();
    assert.equal(store.add("API_KEY", "create", seal("a")), 1);
    assert.equal(store.add("API_KEY", "rotate", seal("b")), 2);
    const latest = store.latest("API_KEY");
    assert.equal(latest?.version, 2);
    assert.deepEqual(latest?.ciphertext, Buffer.from("b-2"));
    assert.deepEqual(store.list().map((s) => [s.name, s.version, s.versions]), [["API_KEY", 2, 2]]);
  });

  it("refuses to create a secret twice and to rotate one that does not exist", () => {
    const store = fresh();
    store.add("A", "create", seal("x"));
    assert.throws(() => store.add("A", "create", seal("y")), { code: "BWK_INVALID_ARGUMENT" });
    assert.throws(() => store.add("B", "rotate", seal("y")), { code: "BWK_NOT_FOUND" });
  });

  it("never reuses a version after rm, so an old row cannot pass as a new version", () => {
    const store = fresh();
    store.add("A", "create", seal("x"));
    store.add("A", "rotate", seal("x"));
    assert.equal(store.remove("A"), true);
    assert.equal(store.latest("A"), undefined);
    assert.equal(store.add("A", "create", seal("z")), 3);
  });

  it("prunes all but the newest versions", () => {
    const store = fresh();
    store.add("A", "create", seal("x"));
    for (let i = 0; i < 4; i++) store.add("A", "rotate", seal("x"));
    store.prune("A", 2);
    assert.deepEqual(store.list()[0], { ...store.list()[0]!, version: 5, versions: 2 });
  });
});

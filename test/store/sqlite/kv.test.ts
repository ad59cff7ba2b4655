// The SQLite KV adapter: partitions by namespace, keeps usage exact across replace and delete
// (a key's bytes count with its value's), enforces quotas in the write's transaction, counts every
// tenant's partition toward its namespace as a whole, and lists by a literal prefix (GLOB
// metacharacters in a prefix match themselves).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { openDatabase } from "../../../src/store/sqlite/open.ts";
import { SqliteKvStore } from "../../../src/store/sqlite/kv.ts";

const dir = mkdtempSync(join(tmpdir(), "bulwark-kv-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const fresh = () => new SqliteKvStore(openDatabase(join(dir, `kv-${++n}.db`)));
const sealed = (tag: string) => ({ wrappedKey: Buffer.from(`wk-${tag}`), ciphertext: Buffer.from(`ct-${tag}`) });
const roomy = { maxEntries: 100, maxBytes: 10_000 };

describe("SqliteKvStore", () => {
  it("keeps namespaces apart", () => {
    const kv = fresh();
    kv.put("ledger", "k", sealed("a"), 1, roomy);
    kv.put("tenants/t1/ledger", "k", sealed("b"), 1, roomy);
    assert.deepEqual(kv.get("ledger", "k")?.ciphertext, Buffer.from("ct-a"));
    assert.deepEqual(kv.get("tenants/t1/ledger", "k")?.ciphertext, Buffer.from("ct-b"));
    assert.equal(kv.get("other", "k"), undefined);
  });

  it("counts usage across insert, replace and delete, a key's bytes with its value's", () => {
    const kv = fresh();
    kv.put("ns", "a", sealed("1"), 10, roomy);
    kv.put("ns", "bé", sealed("2"), 20, roomy);
    kv.put("ns", "a", sealed("3"), 5, roomy);
    assert.deepEqual(kv.usage("ns"), { entries: 2, bytes: 1 + 5 + 3 + 20 });
    assert.equal(kv.delete("ns", "bé"), true);
    assert.equal(kv.delete("ns", "bé"), false);
    assert.deepEqual(kv.usage("ns"), { entries: 1, bytes: 1 + 5 });
  });

  it("attack: keys with empty values count toward the byte quota", () => {
    const kv = fresh();
    const quota = { maxEntries: 100, maxBytes: 1000 };
    kv.put("ns", "k".repeat(500), sealed("1"), 0, quota);
    assert.throws(() => kv.put("ns", "j".repeat(501), sealed("2"), 0, quota), { code: "BWK_LIMIT_EXCEEDED", extra: { reason: "quota", quota: "bytes", limit: 1000, scope: "partition" } });
  });

  it("refuses a write past the key quota and writes nothing", () => {
    const kv = fresh();
    const quota = { maxEntries: 2, maxBytes: 1000 };
    kv.put("ns", "a", sealed("1"), 1, quota);
    kv.put("ns", "b", sealed("2"), 1, quota);
    assert.throws(() => kv.put("ns", "c", sealed("3"), 1, quota), { code: "BWK_LIMIT_EXCEEDED" });
    assert.equal(kv.get("ns", "c"), undefined);
    // Replacing an existing key does not add one.
    kv.put("ns", "a", sealed("4"), 1, quota);
    assert.deepEqual(kv.usage("ns"), { entries: 2, bytes: 4 });
  });

  it("refuses a write past the byte quota, counting a replaced value once", () => {
    const kv = fresh();
    const quota = { maxEntries: 10, maxBytes: 100 };
    kv.put("ns", "a", sealed("1"), 60, quota);
    assert.throws(() => kv.put("ns", "b", sealed("2"), 40, quota), { code: "BWK_LIMIT_EXCEEDED" });
    kv.put("ns", "a", sealed("3"), 99, quota);
    assert.deepEqual(kv.usage("ns"), { entries: 1, bytes: 100 });
  });

  it("lists by literal prefix, in order, bounded", () => {
    const kv = fresh();
    for (const key of ["a*b", "a?c", "a[d]", "ab", "b", "a"]) kv.put("ns", key, sealed(key), 1, roomy);
    assert.deepEqual(kv.list("ns", "a*", 10), ["a*b"]);
    assert.deepEqual(kv.list("ns", "a[", 10), ["a[d]"]);
    assert.deepEqual(kv.list("ns", "a", 10), ["a", "a*b", "a?c", "a[d]", "ab"]);
    assert.deepEqual(kv.list("ns", "", 2), ["a", "a*b"]);
  });
});

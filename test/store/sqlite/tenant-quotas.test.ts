// Quotas under tenant isolation (usage.ts): each tenant's partition keeps its own quota, and every
// partition also counts toward its namespace or bucket as a whole, which holds at most its own
// quota and a bounded number of tenants' partitions. A caller who may name any tenant gets no more
// disk by naming more of them. Older usage tables are recounted from the data once.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { BlobFiles } from "../../../src/store/blob-files.ts";
import type { SharedQuota } from "../../../src/store/sealed.ts";
import { SqliteKvStore } from "../../../src/store/sqlite/kv.ts";
import { SqliteObjectStore } from "../../../src/store/sqlite/objects.ts";
import { openDatabase } from "../../../src/store/sqlite/open.ts";

const dir = mkdtempSync(join(tmpdir(), "bulwark-tenant-quotas-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const dbPath = () => join(dir, `q-${++n}.db`);
const sealed = (tag: string) => ({ wrappedKey: Buffer.from(`wk-${tag}`), ciphertext: Buffer.from(`ct-${tag}`) });
const partition = { maxEntries: 3, maxBytes: 1000 };
const ledger = (quota = { maxEntries: 4, maxBytes: 1000 }, maxPartitions = 100): SharedQuota => ({ scope: "ledger", quota, maxPartitions });
const at = (tenant: string) => `tenants/${tenant}/ledger`;

describe("tenant partitions count toward their namespace", () => {
  it("keeps each partition's own quota", () => {
    const kv = new SqliteKvStore(openDatabase(dbPath()));
    for (const k of ["a", "b", "c"]) kv.put(at("t1"), k, sealed(k), 1, partition, ledger({ maxEntries: 100, maxBytes: 1000 }));
    assert.throws(() => kv.put(at("t1"), "d", sealed("d"), 1, partition, ledger({ maxEntries: 100, maxBytes: 1000 })), {
      code: "BWK_LIMIT_EXCEEDED",
      extra: { reason: "quota", quota: "entries", limit: 3, scope: "partition" },
    });
  });

  it("attack: made-up tenants do not multiply the namespace's key quota", () => {
    const kv = new SqliteKvStore(openDatabase(dbPath()));
    kv.put(at("t1"), "a", sealed("1"), 1, partition, ledger());
    kv.put(at("t2"), "a", sealed("2"), 1, partition, ledger());
    kv.put(at("t3"), "a", sealed("3"), 1, partition, ledger());
    // A function without tenant isolation writes the namespace's own row: it counts as a whole.
    kv.put("ledger", "own", sealed("4"), 1, ledger().quota);
    assert.deepEqual(kv.usage("ledger"), { entries: 4, bytes: 3 * (1 + 1) + (3 + 1) });
    assert.throws(() => kv.put(at("t4"), "a", sealed("5"), 1, partition, ledger()), {
      code: "BWK_LIMIT_EXCEEDED",
      extra: { reason: "quota", quota: "entries", limit: 4, scope: "namespace" },
    });
    assert.equal(kv.get(at("t4"), "a"), undefined);
    // Replacing a key adds none, so it still fits.
    kv.put(at("t1"), "a", sealed("6"), 1, partition, ledger());
  });

  it("attack: made-up tenants do not multiply the bucket's byte quota", () => {
    const files = new BlobFiles(join(dir, `blobs-${++n}`));
    const objects = new SqliteObjectStore(openDatabase(dbPath()), files);
    const bucket = ledger({ maxEntries: 100, maxBytes: 250 });
    objects.put(at("t1"), "a", sealed("1"), 100, partition, bucket);
    objects.put(at("t2"), "a", sealed("2"), 100, partition, bucket);
    assert.throws(() => objects.put(at("t3"), "a", sealed("3"), 100, partition, bucket), {
      code: "BWK_LIMIT_EXCEEDED",
      extra: { reason: "quota", quota: "bytes", limit: 250, scope: "namespace" },
    });
    assert.equal(objects.get(at("t3"), "a"), undefined);
  });

  it("attack: refuses a tenant partition past the namespace's count, and frees the place when one empties", () => {
    const kv = new SqliteKvStore(openDatabase(dbPath()));
    const two = ledger({ maxEntries: 100, maxBytes: 1000 }, 2);
    kv.put(at("t1"), "a", sealed("1"), 1, partition, two);
    kv.put(at("t2"), "a", sealed("2"), 1, partition, two);
    kv.put(at("t2"), "b", sealed("3"), 1, partition, two); // a partition that exists takes more keys
    assert.throws(() => kv.put(at("t3"), "a", sealed("4"), 1, partition, two), {
      code: "BWK_LIMIT_EXCEEDED",
      extra: { reason: "quota", quota: "partitions", limit: 2, scope: "namespace" },
    });
    assert.equal(kv.delete(at("t1"), "a", "ledger"), true);
    assert.deepEqual(kv.usage(at("t1")), { entries: 0, bytes: 0 });
    kv.put(at("t3"), "a", sealed("5"), 1, partition, two);
    assert.deepEqual(kv.usage("ledger"), { entries: 3, bytes: 3 * 2 });
  });

  it("recounts a usage table from before tenants counted (and keys had bytes), once", () => {
    const path = dbPath();
    const old = openDatabase(path);
    old.exec(`CREATE TABLE kv (
      namespace TEXT NOT NULL, key TEXT NOT NULL, wrapped_key BLOB NOT NULL, ciphertext BLOB NOT NULL,
      bytes INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (namespace, key)) WITHOUT ROWID;
      CREATE TABLE kv_usage (namespace TEXT PRIMARY KEY, entries INTEGER NOT NULL, bytes INTEGER NOT NULL);`);
    const insert = old.prepare("INSERT INTO kv VALUES (?, ?, x'00', x'00', ?, '')");
    insert.run("ledger", "k1", 10);
    insert.run(at("t1"), "k2", 20);
    insert.run(at("t2"), "k3", 30);
    old.exec("INSERT INTO kv_usage VALUES ('ledger', 1, 10), ('tenants/t1/ledger', 1, 20), ('tenants/t2/ledger', 1, 30)");
    old.close();
    const kv = new SqliteKvStore(openDatabase(path));
    assert.deepEqual(kv.usage("ledger"), { entries: 3, bytes: 60 + 3 * 2 });
    assert.deepEqual(kv.usage(at("t2")), { entries: 1, bytes: 32 });
    assert.throws(() => kv.put(at("t3"), "a", sealed("1"), 1, partition, ledger({ maxEntries: 100, maxBytes: 1000 }, 2)), {
      extra: { reason: "quota", quota: "partitions", limit: 2, scope: "namespace" },
    });
    // Opened again, the table is current and is not recounted (still exact).
    kv.put("ledger", "k4", sealed("2"), 4, { maxEntries: 100, maxBytes: 1000 });
    assert.deepEqual(new SqliteKvStore(openDatabase(path)).usage("ledger"), { entries: 4, bytes: 66 + 6 });
  });
});

// The SQLite + files object adapter: the index row is the commit point, replaced and deleted
// objects leave no file behind, a crash's leftovers are swept at open, and quotas hold.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { BlobFiles } from "../../../src/store/blob-files.ts";
import { openDatabase } from "../../../src/store/sqlite/open.ts";
import { SqliteObjectStore } from "../../../src/store/sqlite/objects.ts";

const dir = mkdtempSync(join(tmpdir(), "bulwark-objects-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function fresh() {
  const base = join(dir, `o-${++n}`);
  const files = new BlobFiles(join(base, "blobs"));
  return { files, db: openDatabase(`${base}.db`), open: (db = openDatabase(`${base}.db`)) => new SqliteObjectStore(db, files) };
}
const sealed = (tag: string) => ({ wrappedKey: Buffer.from(`wk-${tag}`), ciphertext: Buffer.from(`ct-${tag}`) });
const roomy = { maxEntries: 100, maxBytes: 10_000 };

describe("SqliteObjectStore", () => {
  it("stores ciphertext in a file named at random, never after the key", () => {
    const { files, open } = fresh();
    const store = open();
    store.put("receipts", "../../etc/passwd", sealed("a"), 4, roomy);
    const names = readdirSync(files.dir);
    assert.equal(names.length, 1);
    assert.match(names[0]!, /^[0-9a-f]{32}$/);
    assert.deepEqual(store.get("receipts", "../../etc/passwd")?.ciphertext, Buffer.from("ct-a"));
  });

  it("replaces and deletes without leaving files", () => {
    const { files, open } = fresh();
    const store = open();
    store.put("b", "k", sealed("1"), 4, roomy);
    store.put("b", "k", sealed("2"), 4, roomy);
    assert.equal(readdirSync(files.dir).length, 1);
    assert.deepEqual(store.get("b", "k")?.ciphertext, Buffer.from("ct-2"));
    assert.equal(store.delete("b", "k"), true);
    assert.equal(readdirSync(files.dir).length, 0);
    assert.equal(store.get("b", "k"), undefined);
    assert.deepEqual(store.usage("b"), { entries: 0, bytes: 0 });
  });

  it("sweeps unreferenced files and temporaries when opened", () => {
    const { files, open } = fresh();
    open().put("b", "kept", sealed("1"), 4, roomy);
    writeFileSync(join(files.dir, "0123456789abcdef0123456789abcdef"), "orphan");
    writeFileSync(join(files.dir, ".0123456789abcdef0123456789abcdef.tmp"), "half");
    const store = open();
    assert.equal(readdirSync(files.dir).length, 1);
    assert.deepEqual(store.get("b", "kept")?.ciphertext, Buffer.from("ct-1"));
  });

  it("refuses a write past the quota and leaves no file", () => {
    const { files, open } = fresh();
    const store = open();
    const quota = { maxEntries: 1, maxBytes: 100 };
    store.put("b", "a", sealed("1"), 10, quota);
    assert.throws(() => store.put("b", "c", sealed("2"), 10, quota), { code: "BWK_LIMIT_EXCEEDED" });
    assert.throws(() => store.put("b", "a", sealed("3"), 101, quota), { code: "BWK_LIMIT_EXCEEDED" });
    assert.equal(readdirSync(files.dir).length, 1);
    assert.deepEqual(store.get("b", "a")?.ciphertext, Buffer.from("ct-1"));
  });

  it("lists keys by prefix within one bucket", () => {
    const { open } = fresh();
    const store = open();
    for (const key of ["img/a", "img/b", "doc/a"]) store.put("b", key, sealed(key), 1, roomy);
    store.put("other", "img/z", sealed("z"), 1, roomy);
    assert.deepEqual(store.list("b", "img/", 10), ["img/a", "img/b"]);
  });
});

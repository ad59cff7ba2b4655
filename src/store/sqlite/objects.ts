// The objects port on SQLite + files: the index (bucket, key → file, size, wrapped data key) is a
// table, the ciphertext a file of its own (blob-files.ts). The index row is the commit point: a
// new version's file is written first, the row switched in a transaction, the old file removed.
// Wrapped keys live in the index, so `keys rotate-master` rewraps objects without reading them.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import type { BlobFiles } from "../blob-files.ts";
import type { ObjectStore } from "../objects.ts";
import type { Quota, SealedValue, SharedQuota, Usage } from "../sealed.ts";
import { escapeGlob, transaction } from "./tx.ts";
import { UsageTable } from "./usage.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS objects (
  bucket TEXT NOT NULL, key TEXT NOT NULL, file TEXT NOT NULL, wrapped_key BLOB NOT NULL,
  bytes INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
`;

export class SqliteObjectStore implements ObjectStore {
  readonly #db: DatabaseSync;
  readonly #files: BlobFiles;
  readonly #sql: Record<"get" | "upsert" | "delete" | "list" | "files", StatementSync>;
  readonly #usage: UsageTable;

  constructor(db: DatabaseSync, files: BlobFiles) {
    this.#db = db;
    this.#files = files;
    db.exec(SCHEMA);
    this.#sql = {
      get: db.prepare("SELECT file, wrapped_key, bytes FROM objects WHERE bucket = ? AND key = ?"),
      upsert: db.prepare(
        "INSERT INTO objects (bucket, key, file, wrapped_key, bytes, updated_at) VALUES (?, ?, ?, ?, ?, ?) " +
          "ON CONFLICT (bucket, key) DO UPDATE SET file = excluded.file, wrapped_key = excluded.wrapped_key, bytes = excluded.bytes, updated_at = excluded.updated_at",
      ),
      delete: db.prepare("DELETE FROM objects WHERE bucket = ? AND key = ? RETURNING file, bytes"),
      list: db.prepare("SELECT key FROM objects WHERE bucket = ? AND key GLOB ? ORDER BY key LIMIT ?"),
      files: db.prepare("SELECT file FROM objects"),
    };
    this.#usage = new UsageTable(
      db,
      { table: "object_usage", column: "bucket", recount: "SELECT bucket AS scope, count(*) AS entries, sum(bytes) AS bytes FROM objects GROUP BY bucket" },
      { scope: "bucket", entries: "objects" },
    );
    // Files left by a crash between writing a file and committing its row.
    files.sweep(new Set((this.#sql.files.all() as Array<{ file: string }>).map((r) => r.file)));
  }

  get(bucket: string, key: string): SealedValue | undefined {
    const row = this.#sql.get.get(bucket, key) as { file: string; wrapped_key: Uint8Array } | undefined;
    if (row === undefined) return undefined;
    let ciphertext: Buffer;
    try {
      ciphertext = this.#files.read(row.file);
    } catch {
      throw new BulwarkError("BWK_DECRYPT_FAILED", `the file of object ${key.slice(0, 80)} is missing`);
    }
    return { wrappedKey: Buffer.from(row.wrapped_key), ciphertext };
  }

  put(bucket: string, key: string, value: SealedValue, bytes: number, quota: Quota, shared?: SharedQuota): void {
    // Checked before the file is written, and again in the transaction that commits it.
    this.#usage.check(bucket, this.#sql.get.get(bucket, key) as { bytes: number } | undefined, bytes, quota, shared);
    const file = this.#files.write(value.ciphertext);
    let replaced: string | undefined;
    try {
      transaction(this.#db, () => {
        const previous = this.#sql.get.get(bucket, key) as { file: string; bytes: number } | undefined;
        this.#usage.check(bucket, previous, bytes, quota, shared);
        this.#sql.upsert.run(bucket, key, file, value.wrappedKey, bytes, new Date().toISOString());
        this.#usage.put(bucket, previous, bytes, shared?.scope);
        replaced = previous?.file;
      });
    } catch (e) {
      this.#files.remove(file);
      throw e;
    }
    if (replaced !== undefined) this.#files.remove(replaced);
  }

  delete(bucket: string, key: string, shared?: string): boolean {
    const removed = transaction(this.#db, () => {
      const row = this.#sql.delete.get(bucket, key) as { file: string; bytes: number } | undefined;
      if (row !== undefined) this.#usage.delete(bucket, row.bytes, shared);
      return row;
    });
    if (removed !== undefined) this.#files.remove(removed.file);
    return removed !== undefined;
  }

  list(bucket: string, prefix: string, limit: number): string[] {
    const rows = this.#sql.list.all(bucket, `${escapeGlob(prefix)}*`, limit) as Array<{ key: string }>;
    return rows.map((r) => r.key);
  }

  usage(bucket: string): Usage {
    return this.#usage.of(bucket);
  }
}

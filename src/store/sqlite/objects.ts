// The objects port on SQLite + files: the index (bucket, key → file, size, wrapped data key) is a
// table, the ciphertext a file of its own (blob-files.ts). The index row is the commit point: a
// new version's file is written first, the row switched in a transaction, the old file removed.
// Wrapped keys live in the index, so `keys rotate-master` rewraps objects without reading them.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import type { BlobFiles } from "../blob-files.ts";
import type { ObjectStore } from "../objects.ts";
import type { Quota, SealedValue, Usage } from "../sealed.ts";
import { escapeGlob, transaction } from "./tx.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS objects (
  bucket TEXT NOT NULL, key TEXT NOT NULL, file TEXT NOT NULL, wrapped_key BLOB NOT NULL,
  bytes INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (bucket, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS object_usage (bucket TEXT PRIMARY KEY, entries INTEGER NOT NULL, bytes INTEGER NOT NULL);
`;

export class SqliteObjectStore implements ObjectStore {
  readonly #db: DatabaseSync;
  readonly #files: BlobFiles;
  readonly #sql: Record<"get" | "upsert" | "delete" | "list" | "usage" | "addUsage" | "files", StatementSync>;

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
      usage: db.prepare("SELECT entries, bytes FROM object_usage WHERE bucket = ?"),
      addUsage: db.prepare(
        "INSERT INTO object_usage (bucket, entries, bytes) VALUES (?, ?, ?) " +
          "ON CONFLICT (bucket) DO UPDATE SET entries = entries + excluded.entries, bytes = bytes + excluded.bytes",
      ),
      files: db.prepare("SELECT file FROM objects"),
    };
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

  put(bucket: string, key: string, value: SealedValue, bytes: number, quota: Quota): void {
    const usage = this.usage(bucket);
    const before = this.#sql.get.get(bucket, key) as { bytes: number } | undefined;
    // Checked before the file is written, and again in the transaction that commits it.
    checkQuota(usage, before, bytes, quota);
    const file = this.#files.write(value.ciphertext);
    let replaced: string | undefined;
    try {
      transaction(this.#db, () => {
        const previous = this.#sql.get.get(bucket, key) as { file: string; bytes: number } | undefined;
        checkQuota(this.usage(bucket), previous, bytes, quota);
        this.#sql.upsert.run(bucket, key, file, value.wrappedKey, bytes, new Date().toISOString());
        this.#sql.addUsage.run(bucket, previous === undefined ? 1 : 0, bytes - (previous?.bytes ?? 0));
        replaced = previous?.file;
      });
    } catch (e) {
      this.#files.remove(file);
      throw e;
    }
    if (replaced !== undefined) this.#files.remove(replaced);
  }

  delete(bucket: string, key: string): boolean {
    const removed = transaction(this.#db, () => {
      const row = this.#sql.delete.get(bucket, key) as { file: string; bytes: number } | undefined;
      if (row !== undefined) this.#sql.addUsage.run(bucket, -1, -row.bytes);
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
    const row = this.#sql.usage.get(bucket) as { entries: number; bytes: number } | undefined;
    return { entries: row?.entries ?? 0, bytes: row?.bytes ?? 0 };
  }
}

function checkQuota(usage: Usage, previous: { bytes: number } | undefined, bytes: number, quota: Quota): void {
  if (usage.entries + (previous === undefined ? 1 : 0) > quota.maxEntries) {
    throw new BulwarkError("BWK_LIMIT_EXCEEDED", `the bucket holds its limit of ${quota.maxEntries} objects`);
  }
  if (usage.bytes - (previous?.bytes ?? 0) + bytes > quota.maxBytes) {
    throw new BulwarkError("BWK_LIMIT_EXCEEDED", `the bucket would exceed its limit of ${quota.maxBytes} bytes`);
  }
}

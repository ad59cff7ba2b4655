// SQLite adapter of the KV port. Usage per namespace is kept in its own table, updated in the
// same transaction as each write, so a quota check costs one row read, not a scan.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import type { KvStore } from "../kv.ts";
import type { Quota, SealedValue, Usage } from "../sealed.ts";
import { escapeGlob, transaction } from "./tx.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  namespace TEXT NOT NULL, key TEXT NOT NULL, wrapped_key BLOB NOT NULL, ciphertext BLOB NOT NULL,
  bytes INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS kv_usage (namespace TEXT PRIMARY KEY, entries INTEGER NOT NULL, bytes INTEGER NOT NULL);
`;

export class SqliteKvStore implements KvStore {
  readonly #db: DatabaseSync;
  readonly #sql: Record<"get" | "size" | "upsert" | "delete" | "list" | "usage" | "addUsage", StatementSync>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#sql = {
      get: db.prepare("SELECT wrapped_key, ciphertext FROM kv WHERE namespace = ? AND key = ?"),
      size: db.prepare("SELECT bytes FROM kv WHERE namespace = ? AND key = ?"),
      upsert: db.prepare(
        "INSERT INTO kv (namespace, key, wrapped_key, ciphertext, bytes, updated_at) VALUES (?, ?, ?, ?, ?, ?) " +
          "ON CONFLICT (namespace, key) DO UPDATE SET wrapped_key = excluded.wrapped_key, ciphertext = excluded.ciphertext, bytes = excluded.bytes, updated_at = excluded.updated_at",
      ),
      delete: db.prepare("DELETE FROM kv WHERE namespace = ? AND key = ? RETURNING bytes"),
      // GLOB is case-sensitive and uses the primary key for a literal prefix.
      list: db.prepare("SELECT key FROM kv WHERE namespace = ? AND key GLOB ? ORDER BY key LIMIT ?"),
      usage: db.prepare("SELECT entries, bytes FROM kv_usage WHERE namespace = ?"),
      addUsage: db.prepare(
        "INSERT INTO kv_usage (namespace, entries, bytes) VALUES (?, ?, ?) " +
          "ON CONFLICT (namespace) DO UPDATE SET entries = entries + excluded.entries, bytes = bytes + excluded.bytes",
      ),
    };
  }

  get(namespace: string, key: string): SealedValue | undefined {
    const row = this.#sql.get.get(namespace, key) as { wrapped_key: Uint8Array; ciphertext: Uint8Array } | undefined;
    return row === undefined ? undefined : { wrappedKey: Buffer.from(row.wrapped_key), ciphertext: Buffer.from(row.ciphertext) };
  }

  put(namespace: string, key: string, value: SealedValue, bytes: number, quota: Quota): void {
    transaction(this.#db, () => {
      const previous = this.#sql.size.get(namespace, key) as { bytes: number } | undefined;
      const usage = this.usage(namespace);
      const entries = usage.entries + (previous === undefined ? 1 : 0);
      const total = usage.bytes - (previous?.bytes ?? 0) + bytes;
      if (entries > quota.maxEntries) {
        throw new BulwarkError("BWK_LIMIT_EXCEEDED", `the KV namespace holds its limit of ${quota.maxEntries} keys`);
      }
      if (total > quota.maxBytes) {
        throw new BulwarkError("BWK_LIMIT_EXCEEDED", `the KV namespace would exceed its limit of ${quota.maxBytes} bytes`);
      }
      this.#sql.upsert.run(namespace, key, value.wrappedKey, value.ciphertext, bytes, new Date().toISOString());
      this.#sql.addUsage.run(namespace, previous === undefined ? 1 : 0, bytes - (previous?.bytes ?? 0));
    });
  }

  delete(namespace: string, key: string): boolean {
    return transaction(this.#db, () => {
      const removed = this.#sql.delete.get(namespace, key) as { bytes: number } | undefined;
      if (removed !== undefined) this.#sql.addUsage.run(namespace, -1, -removed.bytes);
      return removed !== undefined;
    });
  }

  list(namespace: string, prefix: string, limit: number): string[] {
    const rows = this.#sql.list.all(namespace, `${escapeGlob(prefix)}*`, limit) as Array<{ key: string }>;
    return rows.map((r) => r.key);
  }

  usage(namespace: string): Usage {
    const row = this.#sql.usage.get(namespace) as { entries: number; bytes: number } | undefined;
    return { entries: row?.entries ?? 0, bytes: row?.bytes ?? 0 };
  }
}

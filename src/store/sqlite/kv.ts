// SQLite adapter of the KV port. Usage per namespace is kept in its own table (usage.ts), where a
// key counts its own bytes as well as its value's: keys of up to 512 bytes with empty values
// would otherwise fill the disk without counting toward the byte quota.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { KvStore } from "../kv.ts";
import type { Quota, SealedValue, SharedQuota, Usage } from "../sealed.ts";
import { escapeGlob, transaction } from "./tx.ts";
import { UsageTable } from "./usage.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS kv (
  namespace TEXT NOT NULL, key TEXT NOT NULL, wrapped_key BLOB NOT NULL, ciphertext BLOB NOT NULL,
  bytes INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
`;

/** What an entry counts toward its namespace's byte quota: its key's bytes and its value's. */
const COUNTED_BYTES = "bytes + length(CAST(key AS BLOB))";

export class SqliteKvStore implements KvStore {
  readonly #db: DatabaseSync;
  readonly #sql: Record<"get" | "size" | "upsert" | "delete" | "list", StatementSync>;
  readonly #usage: UsageTable;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#sql = {
      get: db.prepare("SELECT wrapped_key, ciphertext FROM kv WHERE namespace = ? AND key = ?"),
      size: db.prepare(`SELECT ${COUNTED_BYTES} AS bytes FROM kv WHERE namespace = ? AND key = ?`),
      upsert: db.prepare(
        "INSERT INTO kv (namespace, key, wrapped_key, ciphertext, bytes, updated_at) VALUES (?, ?, ?, ?, ?, ?) " +
          "ON CONFLICT (namespace, key) DO UPDATE SET wrapped_key = excluded.wrapped_key, ciphertext = excluded.ciphertext, bytes = excluded.bytes, updated_at = excluded.updated_at",
      ),
      delete: db.prepare(`DELETE FROM kv WHERE namespace = ? AND key = ? RETURNING ${COUNTED_BYTES} AS bytes`),
      // GLOB is case-sensitive and uses the primary key for a literal prefix.
      list: db.prepare("SELECT key FROM kv WHERE namespace = ? AND key GLOB ? ORDER BY key LIMIT ?"),
    };
    this.#usage = new UsageTable(
      db,
      { table: "kv_usage", column: "namespace", recount: `SELECT namespace AS scope, count(*) AS entries, sum(${COUNTED_BYTES}) AS bytes FROM kv GROUP BY namespace` },
      { scope: "KV namespace", entries: "keys" },
    );
  }

  get(namespace: string, key: string): SealedValue | undefined {
    const row = this.#sql.get.get(namespace, key) as { wrapped_key: Uint8Array; ciphertext: Uint8Array } | undefined;
    return row === undefined ? undefined : { wrappedKey: Buffer.from(row.wrapped_key), ciphertext: Buffer.from(row.ciphertext) };
  }

  put(namespace: string, key: string, value: SealedValue, bytes: number, quota: Quota, shared?: SharedQuota): void {
    const counted = bytes + Buffer.byteLength(key, "utf8");
    transaction(this.#db, () => {
      const previous = this.#sql.size.get(namespace, key) as { bytes: number } | undefined;
      this.#usage.check(namespace, previous, counted, quota, shared);
      this.#sql.upsert.run(namespace, key, value.wrappedKey, value.ciphertext, bytes, new Date().toISOString());
      this.#usage.put(namespace, previous, counted, shared?.scope);
    });
  }

  delete(namespace: string, key: string, shared?: string): boolean {
    return transaction(this.#db, () => {
      const removed = this.#sql.delete.get(namespace, key) as { bytes: number } | undefined;
      if (removed !== undefined) this.#usage.delete(namespace, removed.bytes, shared);
      return removed !== undefined;
    });
  }

  list(namespace: string, prefix: string, limit: number): string[] {
    const rows = this.#sql.list.all(namespace, `${escapeGlob(prefix)}*`, limit) as Array<{ key: string }>;
    return rows.map((r) => r.key);
  }

  usage(namespace: string): Usage {
    return this.#usage.of(namespace);
  }
}

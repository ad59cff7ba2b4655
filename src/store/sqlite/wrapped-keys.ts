// Every wrapped data key the encrypted stores hold, across secrets, KV, objects, TOTP secrets and
// SIEM webhook tokens: what `keys rotate-master` rewraps (in one transaction, without touching any
// ciphertext) and what the platform checks at start to tell whether the loaded master key is the
// one that wrapped them.
import type { DatabaseSync } from "node:sqlite";
import { transaction } from "./tx.ts";

// Tables and their primary keys; each was created by its adapter (secrets.ts, kv.ts, objects.ts,
// users.ts for TOTP secrets, security/siem/schema.ts for SIEM webhook tokens). A table its
// adapter has not created yet holds no keys.
const TABLES = [
  { table: "secrets", keys: ["name", "version"] },
  { table: "kv", keys: ["namespace", "key"] },
  { table: "objects", keys: ["bucket", "key"] },
  { table: "user_totp", keys: ["user", "slot"] },
  { table: "siem_sink_tokens", keys: ["sink"] },
] as const;

/**
 * Replaces each wrapped key by `rewrap(wrapped)` in one transaction: all rows or none. Returns
 * how many rows were visited. A throw from `rewrap` rolls everything back.
 */
export function rewrapAll(db: DatabaseSync, rewrap: (wrapped: Buffer) => Buffer): number {
  return transaction(db, () => {
    let count = 0;
    for (const { table, keys } of TABLES) {
      if (!exists(db, table)) continue;
      const where = keys.map((k) => `${k} = ?`).join(" AND ");
      const update = db.prepare(`UPDATE ${table} SET wrapped_key = ? WHERE ${where}`);
      const rows = db.prepare(`SELECT ${keys.join(", ")}, wrapped_key FROM ${table}`).iterate() as Iterable<Record<string, unknown>>;
      // Rows are collected first: updating a table while iterating it is undefined in SQLite.
      const all = [...rows];
      for (const row of all) {
        const next = rewrap(Buffer.from(row["wrapped_key"] as Uint8Array));
        update.run(next, ...keys.map((k) => row[k] as string | number));
        count++;
      }
    }
    return count;
  });
}

/** One wrapped key of each table that has rows (to identify the master key that wrapped them). */
export function sampleWrappedKeys(db: DatabaseSync): Buffer[] {
  const samples: Buffer[] = [];
  for (const { table } of TABLES) {
    if (!exists(db, table)) continue;
    const row = db.prepare(`SELECT wrapped_key FROM ${table} LIMIT 1`).get() as { wrapped_key: Uint8Array } | undefined;
    if (row !== undefined) samples.push(Buffer.from(row.wrapped_key));
  }
  return samples;
}

function exists(db: DatabaseSync, table: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table) !== undefined;
}

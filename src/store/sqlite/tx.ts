// Small helpers the SQLite adapters share.
import type { DatabaseSync } from "node:sqlite";

/**
 * Runs `work` in one write transaction. Inside a transaction that is already open (a caller's),
 * it runs as part of that one: node:sqlite is synchronous, so nothing else interleaves.
 */
export function transaction<T>(db: DatabaseSync, work: () => T): T {
  if (db.isTransaction) return work();
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = work();
    db.exec("COMMIT");
    return result;
  } catch (e) {
    db.exec("ROLLBACK");
    throw e;
  }
}

/** A literal prefix for GLOB: each of its metacharacters `*`, `?` and `[` as a one-character class. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[]/g, (c) => `[${c}]`);
}

/** Whether `table` has `column` (false while the table does not exist). */
export function hasColumn(db: DatabaseSync, table: string, column: string): boolean {
  return db.prepare("SELECT 1 FROM pragma_table_info(?) WHERE name = ?").get(table, column) !== undefined;
}

/** Adds a column an older database lacks; `definition` is the adapter's own constant, never input. */
export function addMissingColumn(db: DatabaseSync, table: string, column: string, definition: string): void {
  if (!hasColumn(db, table, column)) db.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
}

// The audit tables, created by migrateAudit (safe to run on every start). STRICT tables refuse
// values of the wrong type; the triggers make UPDATE and DELETE fail for platform code that
// reaches the tables by mistake. Neither stops someone who can write the database file: that is
// what the hash chain and the signed checkpoints are for.

import { randomUUID } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";

const SCHEMA_VERSION = "1";

const DDL = `
CREATE TABLE IF NOT EXISTS audit_meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;
CREATE TABLE IF NOT EXISTS audit_records (
  seq INTEGER PRIMARY KEY,
  time TEXT NOT NULL,
  actor_type TEXT NOT NULL,
  actor_id TEXT NOT NULL,
  action TEXT NOT NULL,
  target TEXT NOT NULL,
  outcome TEXT NOT NULL,
  request_id TEXT,
  details TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS audit_records_by_actor ON audit_records (actor_type, actor_id, seq);
CREATE INDEX IF NOT EXISTS audit_records_by_action ON audit_records (action, seq);
CREATE INDEX IF NOT EXISTS audit_records_by_target ON audit_records (target, seq);
CREATE INDEX IF NOT EXISTS audit_records_by_time ON audit_records (time);
CREATE TABLE IF NOT EXISTS audit_checkpoints (
  seq INTEGER PRIMARY KEY,
  hash TEXT NOT NULL,
  time TEXT NOT NULL,
  log_id TEXT NOT NULL,
  key_id TEXT NOT NULL,
  signature TEXT NOT NULL
) STRICT;
CREATE TRIGGER IF NOT EXISTS audit_records_append_only_update BEFORE UPDATE ON audit_records
  BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_records_append_only_delete BEFORE DELETE ON audit_records
  BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_checkpoints_append_only_update BEFORE UPDATE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_checkpoints_append_only_delete BEFORE DELETE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
`;

/** Creates the audit tables and this log's random id if they are missing; changes nothing otherwise. */
export function migrateAudit(db: DatabaseSync): void {
  const own = !db.isTransaction;
  if (own) db.exec("BEGIN IMMEDIATE");
  try {
    db.exec(DDL);
    const version = db.prepare("SELECT value FROM audit_meta WHERE key = 'schema_version'").get()?.["value"];
    if (version !== undefined && version !== SCHEMA_VERSION) {
      throw new BulwarkError(
        "BWK_INTERNAL",
        `audit tables have schema version ${String(version)}; this Bulwark knows version ${SCHEMA_VERSION}`,
      );
    }
    db.prepare("INSERT OR IGNORE INTO audit_meta (key, value) VALUES ('schema_version', ?), ('log_id', ?)").run(
      SCHEMA_VERSION,
      randomUUID(),
    );
    if (own) db.exec("COMMIT");
  } catch (error) {
    if (own && db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}

export function auditTablesExist(db: DatabaseSync): boolean {
  const row = db
    .prepare(
      "SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table' AND name IN ('audit_meta', 'audit_records', 'audit_checkpoints')",
    )
    .get();
  return row?.["n"] === 3;
}

/** The log's id, or undefined if its row is gone. */
export function readLogId(db: DatabaseSync): string | undefined {
  const value = db.prepare("SELECT value FROM audit_meta WHERE key = 'log_id'").get()?.["value"];
  return typeof value === "string" ? value : undefined;
}

// The SIEM outbox tables. The platform opens the database and hands the handle over; this only
// creates what is missing, so it is safe to run on every start.

import type { DatabaseSync } from "node:sqlite";

export function migrateSiem(db: DatabaseSync): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS siem_sinks (
      name TEXT PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('ocsf-https', 'syslog')),
      -- JSON of the sink's settings, never its token
      config TEXT NOT NULL,
      -- legacy: the bearer token under keys/siem-token.key; moved to siem_sink_tokens at start
      protected_token TEXT,
      created_at INTEGER NOT NULL,
      delivered INTEGER NOT NULL DEFAULT 0,
      overflowed INTEGER NOT NULL DEFAULT 0,
      consecutive_failures INTEGER NOT NULL DEFAULT 0,
      last_error TEXT,
      last_failure_at INTEGER,
      last_delivered_at INTEGER
    ) STRICT;

    -- An https sink's bearer token, sealed under the master key (envelope encryption): the
    -- wrapped data key is rewrapped by \`keys rotate-master\` (store/sqlite/wrapped-keys.ts).
    CREATE TABLE IF NOT EXISTS siem_sink_tokens (
      sink TEXT PRIMARY KEY REFERENCES siem_sinks (name),
      wrapped_key BLOB NOT NULL,
      ciphertext BLOB NOT NULL
    ) STRICT;

    -- One row per (item, sink). A row leaves the table only once its sink acknowledged it.
    -- 'dead' rows could not be formatted (a corrupt payload); they stay for inspection, counted.
    CREATE TABLE IF NOT EXISTS siem_outbox (
      id INTEGER PRIMARY KEY AUTOINCREMENT,
      sink TEXT NOT NULL,
      item_id TEXT NOT NULL,
      payload TEXT NOT NULL,
      status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dead')),
      last_error TEXT,
      created_at INTEGER NOT NULL
    ) STRICT;

    CREATE INDEX IF NOT EXISTS siem_outbox_by_sink ON siem_outbox (sink, status, id);
  `);
}

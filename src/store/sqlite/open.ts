// Opens the embedded database with the settings every sqlite adapter relies on.
import { closeSync, openSync } from "node:fs";
import { DatabaseSync } from "node:sqlite";

export function openDatabase(file: string, options: { synchronous?: "NORMAL" | "FULL" } = {}): DatabaseSync {
  // Created owner-only before SQLite opens it; its -wal and -shm files take the same mode.
  closeSync(openSync(file, "a", 0o600));
  const db = new DatabaseSync(file);
  // FULL is for the audit chain, which must survive power loss.
  // WAL lets readers (logs --follow) run beside the writer; NORMAL is durable across process
  // crashes in WAL mode, which is the failure the platform must survive.
  db.exec(
    `PRAGMA journal_mode = WAL; PRAGMA synchronous = ${options.synchronous ?? "NORMAL"}; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;`,
  );
  return db;
}

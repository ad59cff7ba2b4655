// SQLite adapter of the quarantine port (node:sqlite), in the platform's main database.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { QuarantineEntry, QuarantineStore } from "../quarantine.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS quarantine (
  stage TEXT NOT NULL, function TEXT NOT NULL, reason TEXT NOT NULL, by TEXT NOT NULL, at TEXT NOT NULL,
  PRIMARY KEY (stage, function)
);
`;

export class SqliteQuarantineStore implements QuarantineStore {
  readonly #put: StatementSync;
  readonly #remove: StatementSync;
  readonly #all: StatementSync;

  constructor(db: DatabaseSync) {
    db.exec(SCHEMA);
    this.#put = db.prepare("INSERT OR REPLACE INTO quarantine (stage, function, reason, by, at) VALUES (?, ?, ?, ?, ?)");
    this.#remove = db.prepare("DELETE FROM quarantine WHERE stage = ? AND function = ?");
    this.#all = db.prepare("SELECT stage, function, reason, by, at FROM quarantine ORDER BY stage, function");
  }

  put(entry: QuarantineEntry): void {
    this.#put.run(entry.stage, entry.function, entry.reason, entry.by, entry.at);
  }

  remove(stage: string, fn: string): boolean {
    return Number(this.#remove.run(stage, fn).changes) > 0;
  }

  list(): QuarantineEntry[] {
    return (this.#all.all() as unknown as QuarantineEntry[]).map((row) => ({ ...row }));
  }
}

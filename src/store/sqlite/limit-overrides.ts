// SQLite adapter of the limit-override port (node:sqlite), in the platform's main database.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { LimitOverrideEntry, LimitOverrideStore } from "../limit-overrides.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS limit_overrides (
  stage TEXT NOT NULL, function TEXT NOT NULL, rate TEXT, concurrency INTEGER, by TEXT NOT NULL, at TEXT NOT NULL,
  PRIMARY KEY (stage, function)
);
`;

interface Row {
  stage: string;
  function: string;
  rate: string | null;
  concurrency: number | null;
  by: string;
  at: string;
}

export class SqliteLimitOverrideStore implements LimitOverrideStore {
  readonly #put: StatementSync;
  readonly #remove: StatementSync;
  readonly #all: StatementSync;

  constructor(db: DatabaseSync) {
    db.exec(SCHEMA);
    this.#put = db.prepare("INSERT OR REPLACE INTO limit_overrides (stage, function, rate, concurrency, by, at) VALUES (?, ?, ?, ?, ?, ?)");
    this.#remove = db.prepare("DELETE FROM limit_overrides WHERE stage = ? AND function = ?");
    this.#all = db.prepare("SELECT stage, function, rate, concurrency, by, at FROM limit_overrides ORDER BY stage, function");
  }

  put(e: LimitOverrideEntry): void {
    this.#put.run(e.stage, e.function, e.rate ?? null, e.concurrency ?? null, e.by, e.at);
  }

  remove(stage: string, fn: string): boolean {
    return Number(this.#remove.run(stage, fn).changes) > 0;
  }

  list(): LimitOverrideEntry[] {
    return (this.#all.all() as unknown as Row[]).map(({ rate, concurrency, ...rest }) => ({
      ...rest,
      ...(rate === null ? {} : { rate }),
      ...(concurrency === null ? {} : { concurrency: Number(concurrency) }),
    }));
  }
}

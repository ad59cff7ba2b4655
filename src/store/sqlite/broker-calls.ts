// What functions did through the broker, aggregated: one row per (function, action, resource,
// allowed) with a count and when it was last seen. `policy suggest` and `policy lint` read it.
// Bounded: past MAX_ROWS_PER_FUNCTION distinct rows a function's new rows are dropped (counted
// in `dropped`), so a function calling with ever-new resources cannot grow the table forever.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { CallCount, CallLogStore } from "../call-log.ts";
import { transaction } from "./tx.ts";

export const MAX_ROWS_PER_FUNCTION = 10_000;


const SCHEMA = `
CREATE TABLE IF NOT EXISTS broker_calls (
  function TEXT NOT NULL, action TEXT NOT NULL, resource TEXT NOT NULL, allowed INTEGER NOT NULL,
  count INTEGER NOT NULL, first_at TEXT NOT NULL, last_at TEXT NOT NULL,
  PRIMARY KEY (function, action, resource, allowed)
) WITHOUT ROWID;
`;

export class SqliteCallLog implements CallLogStore {
  readonly #db: DatabaseSync;
  readonly #sql: Record<"bump" | "insert" | "rows" | "byFunction", StatementSync>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#sql = {
      bump: db.prepare(
        "UPDATE broker_calls SET count = count + ?, last_at = ? WHERE function = ? AND action = ? AND resource = ? AND allowed = ?",
      ),
      insert: db.prepare(
        "INSERT INTO broker_calls (function, action, resource, allowed, count, first_at, last_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      rows: db.prepare("SELECT COUNT(*) AS n FROM broker_calls WHERE function = ?"),
      byFunction: db.prepare(
        "SELECT function, action, resource, allowed, count, last_at FROM broker_calls WHERE function = ? ORDER BY action, resource",
      ),
    };
  }

  /** Adds counted calls in one transaction; returns how many new rows were dropped at the bound. */
  add(batch: readonly CallCount[]): number {
    let dropped = 0;
    transaction(this.#db, () => {
      const rows = new Map<string, number>();
      for (const c of batch) {
        const allowed = c.allowed ? 1 : 0;
        const bumped = Number(this.#sql.bump.run(c.count, c.lastAt, c.function, c.action, c.resource, allowed).changes);
        if (bumped > 0) continue;
        const n = rows.get(c.function) ?? (this.#sql.rows.get(c.function) as { n: number }).n;
        if (n >= MAX_ROWS_PER_FUNCTION) {
          dropped++;
          continue;
        }
        this.#sql.insert.run(c.function, c.action, c.resource, allowed, c.count, c.lastAt, c.lastAt);
        rows.set(c.function, n + 1);
      }
    });
    return dropped;
  }

  calls(fn: string): CallCount[] {
    const rows = this.#sql.byFunction.all(fn) as Array<{
      function: string; action: string; resource: string; allowed: number; count: number; last_at: string;
    }>;
    return rows.map((r) => ({ function: r.function, action: r.action, resource: r.resource, allowed: r.allowed === 1, count: r.count, lastAt: r.last_at }));
  }
}

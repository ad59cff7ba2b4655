// SQLite adapter of the threat-intelligence port (node:sqlite), in the state database.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { IntelEntry } from "../../core/intel.ts";
import type { IntelIndicator, IntelStore } from "../intel.ts";
import { transaction } from "./tx.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS intel_indicators (
  cidr TEXT NOT NULL, feed TEXT NOT NULL, source TEXT NOT NULL, expires_at INTEGER,
  imported_at TEXT NOT NULL, PRIMARY KEY (cidr, feed)
);
CREATE INDEX IF NOT EXISTS intel_by_expiry ON intel_indicators (expires_at);
`;

interface Row {
  cidr: string;
  feed: string;
  source: string;
  expires_at: number | null;
  imported_at: string;
}

export class SqliteIntelStore implements IntelStore {
  readonly #db: DatabaseSync;
  readonly #upsert: StatementSync;
  readonly #remove: StatementSync;
  readonly #removeFeed: StatementSync;
  readonly #purge: StatementSync;
  readonly #live: StatementSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#upsert = db.prepare(
      `INSERT INTO intel_indicators (cidr, feed, source, expires_at, imported_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (cidr, feed) DO UPDATE SET source = excluded.source, expires_at = excluded.expires_at, imported_at = excluded.imported_at`,
    );
    this.#remove = db.prepare("DELETE FROM intel_indicators WHERE cidr = ?");
    this.#removeFeed = db.prepare("DELETE FROM intel_indicators WHERE feed = ?");
    this.#purge = db.prepare("DELETE FROM intel_indicators WHERE expires_at IS NOT NULL AND expires_at <= ?");
    this.#live = db.prepare("SELECT cidr, feed, source, expires_at, imported_at FROM intel_indicators ORDER BY cidr, feed");
  }

  put(feed: string, entries: readonly IntelEntry[], importedAt: string): { stored: number } {
    transaction(this.#db, () => {
      for (const e of entries) this.#upsert.run(e.cidr, feed, e.source, e.expiresAt ?? null, importedAt);
    });
    return { stored: entries.length };
  }

  remove(cidrs: readonly string[]): number {
    let removed = 0;
    transaction(this.#db, () => {
      for (const cidr of cidrs) removed += Number(this.#remove.run(cidr).changes);
    });
    return removed;
  }

  removeFeed(feed: string): number {
    return Number(this.#removeFeed.run(feed).changes);
  }

  live(now: number): IntelIndicator[] {
    this.#purge.run(now);
    return (this.#live.all() as unknown as Row[]).map((r) => ({
      cidr: r.cidr,
      feed: r.feed,
      source: r.source,
      expiresAt: r.expires_at,
      importedAt: r.imported_at,
    }));
  }
}

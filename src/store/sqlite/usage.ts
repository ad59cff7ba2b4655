// What a namespace or bucket holds (entries, plaintext bytes), in a table of its own that the KV
// and object stores update in the same transaction as each write, so a quota check costs one row
// read, not a scan. The table is created by the store's schema: `<scope> TEXT PRIMARY KEY,
// entries INTEGER NOT NULL, bytes INTEGER NOT NULL`.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import type { Quota, Usage } from "../sealed.ts";

/** How a quota refusal names what is full: `the ${scope} holds its limit of N ${entries}`. */
export interface UsageWords {
  scope: string;
  entries: string;
}

export class UsageTable {
  readonly #get: StatementSync;
  readonly #add: StatementSync;
  readonly #words: UsageWords;

  /** `table` and `column` are the store's own constants, never input. */
  constructor(db: DatabaseSync, table: string, column: string, words: UsageWords) {
    this.#get = db.prepare(`SELECT entries, bytes FROM ${table} WHERE ${column} = ?`);
    this.#add = db.prepare(
      `INSERT INTO ${table} (${column}, entries, bytes) VALUES (?, ?, ?) ` +
        `ON CONFLICT (${column}) DO UPDATE SET entries = entries + excluded.entries, bytes = bytes + excluded.bytes`,
    );
    this.#words = words;
  }

  of(scope: string): Usage {
    const row = this.#get.get(scope) as { entries: number; bytes: number } | undefined;
    return { entries: row?.entries ?? 0, bytes: row?.bytes ?? 0 };
  }

  /** Throws BWK_LIMIT_EXCEEDED if `bytes` written in place of `previous` (undefined: a new entry) would pass `quota`. */
  check(scope: string, previous: { bytes: number } | undefined, bytes: number, quota: Quota): void {
    const usage = this.of(scope);
    if (usage.entries + (previous === undefined ? 1 : 0) > quota.maxEntries) {
      throw new BulwarkError("BWK_LIMIT_EXCEEDED", `the ${this.#words.scope} holds its limit of ${quota.maxEntries} ${this.#words.entries}`);
    }
    if (usage.bytes - (previous?.bytes ?? 0) + bytes > quota.maxBytes) {
      throw new BulwarkError("BWK_LIMIT_EXCEEDED", `the ${this.#words.scope} would exceed its limit of ${quota.maxBytes} bytes`);
    }
  }

  /** Counts a write of `bytes` in place of `previous`; inside the transaction that writes it. */
  put(scope: string, previous: { bytes: number } | undefined, bytes: number): void {
    this.#add.run(scope, previous === undefined ? 1 : 0, bytes - (previous?.bytes ?? 0));
  }

  /** Counts the removal of an entry of `bytes`; inside the transaction that removes it. */
  delete(scope: string, bytes: number): void {
    this.#add.run(scope, -1, -bytes);
  }
}

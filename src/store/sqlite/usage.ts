// What a namespace or bucket holds (entries, plaintext bytes), in a table of its own that the KV
// and object stores update in the same transaction as each write, so a quota check costs one row
// read, not a scan. A tenant's partition (`tenants/<t>/ledger`) has a row of its own and also
// counts in the row of the namespace it is part of (`ledger`: also where functions without tenant
// isolation write, so the namespace's row is everything it holds) with the number of tenants'
// partitions in it. A caller who may name any tenant gets a partition's quota per tenant, but the
// namespace as a whole holds no more than its own quota and partitions (CWE-770). Rows that fall
// empty go, so tenants that come and go leave no rows behind.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import { partitionedName } from "../../core/policy/index.ts";
import type { Quota, SharedQuota, Usage } from "../sealed.ts";
import { hasColumn, transaction } from "./tx.ts";

/** How a quota refusal names what is full: `the ${scope} holds its limit of N ${entries}`. */
export interface UsageWords {
  scope: string;
  entries: string;
}

/** The usage table and where its counts come from; all the store's own constants, never input. */
export interface UsageSchema {
  table: string;
  column: string;
  /** Counts per partition from the data itself (columns scope, entries, bytes): rebuilds an older table. */
  recount: string;
}

type Previous = { bytes: number } | undefined;

export class UsageTable {
  // Set in the constructor's transaction.
  #get!: StatementSync;
  #add!: StatementSync;
  #dropEmpty!: StatementSync;
  readonly #words: UsageWords;

  constructor(db: DatabaseSync, schema: UsageSchema, words: UsageWords) {
    const { table, column } = schema;
    this.#words = words;
    // A table from before namespaces counted their tenants (or KV keys their bytes) is recounted
    // from the data once, in one transaction: a crash midway leaves the old table to recount again.
    transaction(db, () => {
      const current = hasColumn(db, table, "partitions");
      if (!current) {
        db.exec(`DROP TABLE IF EXISTS ${table}`);
        db.exec(`CREATE TABLE ${table} (${column} TEXT PRIMARY KEY, entries INTEGER NOT NULL, bytes INTEGER NOT NULL, partitions INTEGER NOT NULL)`);
      }
      this.#get = db.prepare(`SELECT entries, bytes, partitions FROM ${table} WHERE ${column} = ?`);
      this.#add = db.prepare(
        `INSERT INTO ${table} (${column}, entries, bytes, partitions) VALUES (?, ?, ?, ?) ON CONFLICT (${column}) DO UPDATE SET ` +
          "entries = entries + excluded.entries, bytes = bytes + excluded.bytes, partitions = partitions + excluded.partitions",
      );
      this.#dropEmpty = db.prepare(`DELETE FROM ${table} WHERE ${column} = ? AND entries <= 0`);
      if (!current) this.#recount(db.prepare(schema.recount).all() as unknown as Array<{ scope: string } & Usage>);
    });
  }

  of(scope: string): Usage {
    const row = this.#row(scope);
    return { entries: row.entries, bytes: row.bytes };
  }

  /**
   * Throws BWK_LIMIT_EXCEEDED if `bytes` written in place of `previous` (undefined: a new entry)
   * would pass the partition's `quota`, or its namespace's `shared` quota or tenant count.
   * `extra` says which (reason "quota"; quota entries, bytes or partitions; scope), for the broker's event.
   */
  check(scope: string, previous: Previous, bytes: number, quota: Quota, shared?: SharedQuota): void {
    const own = this.#row(scope);
    this.#within(own, previous, bytes, quota, `the ${this.#words.scope}`, "partition");
    if (shared === undefined) return;
    const whole = this.#row(shared.scope);
    this.#within(whole, previous, bytes, shared.quota, `the ${this.#words.scope} ${shared.scope} across its tenants`, "namespace");
    if (previous === undefined && own.entries === 0 && whole.partitions >= shared.maxPartitions) {
      throw refusal(`the ${this.#words.scope} ${shared.scope} holds its limit of ${shared.maxPartitions} tenants' partitions`, "partitions", shared.maxPartitions, "namespace");
    }
  }

  /** Counts a write of `bytes` in place of `previous`; inside the transaction that writes it. */
  put(scope: string, previous: Previous, bytes: number, shared?: string): void {
    const added = previous === undefined ? 1 : 0;
    const grown = bytes - (previous?.bytes ?? 0);
    const opens = shared !== undefined && added === 1 && this.#row(scope).entries === 0;
    this.#add.run(scope, added, grown, 0);
    if (shared !== undefined) this.#add.run(shared, added, grown, opens ? 1 : 0);
  }

  /** Counts the removal of an entry of `bytes`; inside the transaction that removes it. */
  delete(scope: string, bytes: number, shared?: string): void {
    this.#add.run(scope, -1, -bytes, 0);
    const closes = shared !== undefined && this.#row(scope).entries <= 0;
    this.#dropEmpty.run(scope);
    if (shared === undefined) return;
    this.#add.run(shared, -1, -bytes, closes ? -1 : 0);
    this.#dropEmpty.run(shared);
  }

  #row(scope: string): Usage & { partitions: number } {
    const row = this.#get.get(scope) as (Usage & { partitions: number }) | undefined;
    return row ?? { entries: 0, bytes: 0, partitions: 0 };
  }

  #within(usage: Usage, previous: Previous, bytes: number, quota: Quota, what: string, scope: "partition" | "namespace"): void {
    if (usage.entries + (previous === undefined ? 1 : 0) > quota.maxEntries) {
      throw refusal(`${what} holds its limit of ${quota.maxEntries} ${this.#words.entries}`, "entries", quota.maxEntries, scope);
    }
    if (usage.bytes - (previous?.bytes ?? 0) + bytes > quota.maxBytes) {
      throw refusal(`${what} would exceed its limit of ${quota.maxBytes} bytes`, "bytes", quota.maxBytes, scope);
    }
  }

  #recount(partitions: ReadonlyArray<{ scope: string } & Usage>): void {
    for (const p of partitions) {
      this.#add.run(p.scope, p.entries, p.bytes, 0);
      const shared = partitionedName(p.scope);
      if (shared !== undefined) this.#add.run(shared, p.entries, p.bytes, 1);
    }
  }
}

function refusal(message: string, quota: "entries" | "bytes" | "partitions", limit: number, scope: "partition" | "namespace"): BulwarkError {
  return new BulwarkError("BWK_LIMIT_EXCEEDED", message, { extra: { reason: "quota", quota, limit, scope } });
}

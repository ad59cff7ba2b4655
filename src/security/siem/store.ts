// The outbox's SQL, in one place. Every statement is prepared once; every multi-statement change
// runs inside a SAVEPOINT so it is atomic whether or not the caller already holds a transaction.

import type { DatabaseSync } from "node:sqlite";
import type { SealedValue } from "../../store/sealed.ts";
import { migrateSiem } from "./schema.ts";
import type { SinkSettings } from "./sinks.ts";

export interface StoredSink {
  name: string;
  settings: SinkSettings;
  createdAt: number;
}

/** A token still protected by the legacy keys/siem-token.key, waiting to move under the master key. */
export interface LegacyToken {
  sink: string;
  protectedToken: string;
}

export interface OutboxRow {
  id: number;
  payload: string;
}

export interface SinkCounters {
  name: string;
  kind: SinkSettings["kind"];
  pending: number;
  dead: number;
  delivered: number;
  overflowed: number;
  consecutiveFailures: number;
  lastError: string | null;
  lastFailureAt: number | null;
  lastDeliveredAt: number | null;
}

export class OutboxStore {
  readonly #db: DatabaseSync;
  readonly #sql: ReturnType<typeof statements>;

  constructor(db: DatabaseSync) {
    migrateSiem(db);
    this.#db = db;
    this.#sql = statements(db);
  }

  /** Returns false when a sink of that name already exists. */
  insertSink(name: string, settings: SinkSettings, token: SealedValue | null, now: number): boolean {
    return this.transaction(() => {
      if (Number(this.#sql.insertSink.run(name, settings.kind, JSON.stringify(settings), now).changes) === 0) return false;
      if (token !== null) this.#sql.insertToken.run(name, token.wrappedKey, token.ciphertext);
      return true;
    });
  }

  /** Removes a sink and what was still waiting for it; returns false if there was no such sink. */
  deleteSink(name: string): boolean {
    return this.transaction(() => {
      this.#sql.deleteSinkRows.run(name);
      this.#sql.deleteToken.run(name);
      return Number(this.#sql.deleteSink.run(name).changes) > 0;
    });
  }

  sinks(): StoredSink[] {
    return this.#sql.sinks.all().map((r) => ({
      name: String(r["name"]),
      settings: JSON.parse(String(r["config"])) as SinkSettings,
      createdAt: Number(r["created_at"]),
    }));
  }

  /**
   * An https sink's token sealed under the master key; undefined for syslog (or a legacy token not
   * moved). Read at each use, never cached: `keys rotate-master` rewraps it while the sink runs.
   */
  token(sink: string): SealedValue | undefined {
    const r = this.#sql.token.get(sink);
    return r === undefined ? undefined : { wrappedKey: Buffer.from(r["wrapped_key"] as Uint8Array), ciphertext: Buffer.from(r["ciphertext"] as Uint8Array) };
  }

  legacyTokens(): LegacyToken[] {
    return this.#sql.legacyTokens.all().map((r) => ({ sink: String(r["name"]), protectedToken: String(r["protected_token"]) }));
  }

  /** The token moves under the master key and its legacy form is erased, atomically. */
  replaceLegacyToken(sink: string, token: SealedValue): void {
    this.transaction(() => {
      this.#sql.insertToken.run(sink, token.wrappedKey, token.ciphertext);
      this.#sql.clearLegacyToken.run(sink);
    });
  }

  /** One row per sink in one statement: either every sink gets the item or none does. */
  insertItem(itemId: string, payload: string, sinks: readonly string[], now: number): void {
    this.#sql.insertItem.run(itemId, payload, now, JSON.stringify(sinks));
  }

  due(sink: string, limit: number): OutboxRow[] {
    return this.#sql.due.all(sink, limit).map((r) => ({ id: Number(r["id"]), payload: String(r["payload"]) }));
  }

  /** Deletes acknowledged rows and counts them as delivered; returns how many were removed. */
  ack(sink: string, ids: readonly number[], now: number): number {
    return this.transaction(() => {
      const removed = Number(this.#sql.ack.run(sink, JSON.stringify(ids)).changes);
      this.#sql.delivered.run(removed, now, sink);
      return removed;
    });
  }

  markDead(id: number, error: string): void {
    this.#sql.markDead.run(error, id);
  }

  recordFailure(sink: string, error: string, now: number): void {
    this.#sql.failure.run(error, now, sink);
  }

  recordOverflow(sink: string): void {
    this.#sql.overflow.run(sink);
  }

  pendingBySink(): Map<string, number> {
    return new Map(this.#sql.pendingBySink.all().map((r) => [String(r["sink"]), Number(r["n"])]));
  }

  counters(): SinkCounters[] {
    return this.#sql.counters.all().map((r) => ({
      name: String(r["name"]),
      kind: String(r["kind"]) as SinkSettings["kind"],
      pending: Number(r["pending"]),
      dead: Number(r["dead"]),
      delivered: Number(r["delivered"]),
      overflowed: Number(r["overflowed"]),
      consecutiveFailures: Number(r["consecutive_failures"]),
      lastError: r["last_error"] === null ? null : String(r["last_error"]),
      lastFailureAt: r["last_failure_at"] === null ? null : Number(r["last_failure_at"]),
      lastDeliveredAt: r["last_delivered_at"] === null ? null : Number(r["last_delivered_at"]),
    }));
  }

  /** Runs fn atomically; nests inside a caller's transaction. */
  transaction<T>(fn: () => T): T {
    this.#db.exec("SAVEPOINT siem");
    try {
      const result = fn();
      this.#db.exec("RELEASE siem");
      return result;
    } catch (e) {
      this.#db.exec("ROLLBACK TO siem");
      this.#db.exec("RELEASE siem");
      throw e;
    }
  }
}

function statements(db: DatabaseSync) {
  const p = (sql: string) => db.prepare(sql);
  return {
    insertSink: p(`INSERT INTO siem_sinks (name, kind, config, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (name) DO NOTHING`),
    insertToken: p(`INSERT INTO siem_sink_tokens (sink, wrapped_key, ciphertext) VALUES (?, ?, ?)`),
    deleteSink: p(`DELETE FROM siem_sinks WHERE name = ?`),
    deleteToken: p(`DELETE FROM siem_sink_tokens WHERE sink = ?`),
    deleteSinkRows: p(`DELETE FROM siem_outbox WHERE sink = ?`),
    sinks: p(`SELECT name, config, created_at FROM siem_sinks ORDER BY name`),
    token: p(`SELECT wrapped_key, ciphertext FROM siem_sink_tokens WHERE sink = ?`),
    legacyTokens: p(`SELECT name, protected_token FROM siem_sinks WHERE protected_token IS NOT NULL ORDER BY name`),
    clearLegacyToken: p(`UPDATE siem_sinks SET protected_token = NULL WHERE name = ?`),
    insertItem: p(`INSERT INTO siem_outbox (sink, item_id, payload, created_at) SELECT value, ?, ?, ? FROM json_each(?)`),
    due: p(`SELECT id, payload FROM siem_outbox WHERE sink = ? AND status = 'pending' ORDER BY id LIMIT ?`),
    ack: p(`DELETE FROM siem_outbox WHERE sink = ? AND status = 'pending' AND id IN (SELECT value FROM json_each(?))`),
    delivered: p(`UPDATE siem_sinks SET delivered = delivered + ?, consecutive_failures = 0, last_delivered_at = ? WHERE name = ?`),
    markDead: p(`UPDATE siem_outbox SET status = 'dead', last_error = ? WHERE id = ?`),
    failure: p(`UPDATE siem_sinks SET consecutive_failures = consecutive_failures + 1, last_error = ?, last_failure_at = ? WHERE name = ?`),
    overflow: p(`UPDATE siem_sinks SET overflowed = overflowed + 1 WHERE name = ?`),
    pendingBySink: p(`SELECT sink, count(*) AS n FROM siem_outbox WHERE status = 'pending' GROUP BY sink`),
    counters: p(`
      SELECT s.name, s.kind, s.delivered, s.overflowed, s.consecutive_failures, s.last_error, s.last_failure_at, s.last_delivered_at,
        (SELECT count(*) FROM siem_outbox o WHERE o.sink = s.name AND o.status = 'pending') AS pending,
        (SELECT count(*) FROM siem_outbox o WHERE o.sink = s.name AND o.status = 'dead') AS dead
      FROM siem_sinks s ORDER BY s.name`),
  };
}

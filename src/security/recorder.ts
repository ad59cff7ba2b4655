// Records security events (refusals, denials, sandbox kills): batched off the request path into
// SQLite, then handed to subscribers (SIEM outbox, metrics, detector). Nothing secret goes in:
// callers pass reasons and ids, never tokens or key material, and long strings are cut here.
import { randomUUID } from "node:crypto";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { transaction } from "../store/sqlite/tx.ts";
import type { SecurityEvent, Severity } from "./events.ts";

export type SecurityEventInput = Omit<SecurityEvent, "id" | "time"> & { time?: string };

export interface EventQuery {
  since?: string;
  until?: string;
  type?: string;
  afterSeq?: number;
  limit?: number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS security_events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, time TEXT NOT NULL,
  type TEXT NOT NULL, severity TEXT NOT NULL, body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS security_events_by_time ON security_events (time);
CREATE INDEX IF NOT EXISTS security_events_by_type ON security_events (type, seq);
`;

const MAX_STRING = 256;
const MAX_REASON = 512;
const MAX_DETAILS_JSON = 4096;
/** Events held in memory waiting for their batch; past this the oldest are written at once. */
const MAX_PENDING = 10_000;

export type SecurityEventListener = (events: readonly SecurityEvent[]) => void;

export class SecurityEventRecorder {
  readonly #db: DatabaseSync;
  readonly #insert: StatementSync;
  readonly #listeners: SecurityEventListener[] = [];
  #pending: SecurityEvent[] = [];
  #scheduled = false;
  #closed = false;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#insert = db.prepare("INSERT INTO security_events (id, time, type, severity, body) VALUES (?, ?, ?, ?, ?)");
  }

  subscribe(listener: SecurityEventListener): void {
    this.#listeners.push(listener);
  }

  record(input: SecurityEventInput): SecurityEvent {
    const event = sanitize(input);
    this.#pending.push(event);
    // After close the database is gone: a refusal answered during shutdown is still returned to
    // its caller, but there is nowhere left to write it.
    if (this.#closed) return event;
    if (this.#pending.length >= MAX_PENDING) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
    return event;
  }

  /** Writes what is pending; the owner closes the database after this. */
  close(): void {
    this.flush();
    this.#closed = true;
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#closed) return;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    transaction(this.#db, () => {
      for (const e of batch) this.#insert.run(e.id, e.time, e.type, e.severity, JSON.stringify(e));
    });
    for (const listener of this.#listeners) listener(batch);
  }

  query(q: EventQuery = {}): Array<SecurityEvent & { seq: number }> {
    this.flush();
    const where: string[] = [];
    const args: Array<string | number> = [];
    if (q.since) (where.push("time >= ?"), args.push(q.since));
    if (q.until) (where.push("time < ?"), args.push(q.until));
    if (q.type) {
      // A trailing ".*" selects a family: auth.* is auth.failure, auth.forbidden, ...
      if (q.type.endsWith(".*")) (where.push("type LIKE ? ESCAPE '\\'"), args.push(`${likeEscape(q.type.slice(0, -1))}%`));
      else (where.push("type = ?"), args.push(q.type));
    }
    if (q.afterSeq !== undefined) (where.push("seq > ?"), args.push(q.afterSeq));
    const limit = Math.min(Math.max(1, q.limit ?? 100), 5_000);
    const sql = `SELECT seq, body FROM security_events ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY seq LIMIT ${limit}`;
    const rows = this.#db.prepare(sql).all(...args) as Array<{ seq: number; body: string }>;
    return rows.map((r) => ({ ...(JSON.parse(r.body) as SecurityEvent), seq: r.seq }));
  }
}

function sanitize(input: SecurityEventInput): SecurityEvent {
  const event: SecurityEvent = {
    id: randomUUID(),
    time: input.time ?? new Date().toISOString(),
    type: cut(input.type, 64),
    severity: input.severity as Severity,
    reason: cut(input.reason, MAX_REASON),
  };
  for (const key of ["route", "clientIp", "principal", "function", "ruleId", "requestId"] as const) {
    const value = input[key];
    if (typeof value === "string") event[key] = cut(value, MAX_STRING);
  }
  if (input.details) {
    const json = JSON.stringify(input.details, (_, v: unknown) => (typeof v === "string" ? cut(v, MAX_STRING) : v));
    event.details = json.length <= MAX_DETAILS_JSON ? (JSON.parse(json) as Record<string, unknown>) : { truncated: true };
  }
  return event;
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

function likeEscape(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

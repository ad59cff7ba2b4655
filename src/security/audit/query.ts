// Reads audit records by actor, action, target and time, a page at a time in seq order. The SQL
// is assembled only from fixed clauses; every value is a bound parameter (CWE-89).

import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import { RECORD_COLUMNS, toAuditRecord } from "./rows.ts";
import { ACTOR_TYPES } from "./types.ts";
import type { AuditQuery, AuditRecord } from "./types.ts";

const DEFAULT_LIMIT = 100;
const MAX_LIMIT = 1000;

export class AuditQueries {
  readonly #db: DatabaseSync;
  /** At most 2^7 distinct clause sets, each prepared once. */
  readonly #statements = new Map<string, StatementSync>();

  constructor(db: DatabaseSync) {
    this.#db = db;
  }

  run(filter: AuditQuery): AuditRecord[] {
    const clauses: string[] = [];
    const params: SQLInputValue[] = [];
    const where = (clause: string, value: SQLInputValue): void => {
      clauses.push(clause);
      params.push(value);
    };
    const { actor, action, target, since, until, afterSeq } = filter;
    if (actor?.type !== undefined) {
      if (!(ACTOR_TYPES as readonly unknown[]).includes(actor.type)) throw invalid(`actor.type must be one of ${ACTOR_TYPES.join(", ")}`);
      where("actor_type = ?", actor.type);
    }
    if (actor?.id !== undefined) where("actor_id = ?", text(actor.id, "actor.id"));
    if (action !== undefined) where("action = ?", text(action, "action"));
    if (target !== undefined) where("target = ?", text(target, "target"));
    if (since !== undefined) where("time >= ?", isoTime(since, "since"));
    if (until !== undefined) where("time < ?", isoTime(until, "until"));
    if (afterSeq !== undefined) where("seq > ?", wholeNumber(afterSeq, "afterSeq", 0, Number.MAX_SAFE_INTEGER));
    params.push(filter.limit === undefined ? DEFAULT_LIMIT : wholeNumber(filter.limit, "limit", 1, MAX_LIMIT));

    const sql =
      `SELECT ${RECORD_COLUMNS} FROM audit_records` +
      (clauses.length > 0 ? ` WHERE ${clauses.join(" AND ")}` : "") +
      " ORDER BY seq LIMIT ?";
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement.all(...params).map(toAuditRecord);
  }
}

function text(value: unknown, name: string): string {
  if (typeof value !== "string") throw invalid(`${name} must be a string`);
  return value;
}

/** A date, or a date-time with an explicit zone (RFC 3339 §5.6): never the server's local time. */
const ISO_INPUT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Stored times are ISO 8601 UTC with milliseconds, so they compare as text. */
function isoTime(value: unknown, name: string): string {
  const ms =
    value instanceof Date ? value.getTime()
    : typeof value === "string" && ISO_INPUT.test(value) ? Date.parse(value)
    : Number.NaN;
  if (!Number.isFinite(ms)) throw invalid(`${name} must be an ISO 8601 date, or a date-time with a zone, like 2025-01-31 or 2025-01-31T12:00:00Z`);
  return new Date(ms).toISOString();
}

function wholeNumber(value: unknown, name: string, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw invalid(`${name} must be a whole number from ${min} to ${max}`);
  }
  return value as number;
}

function invalid(message: string): BulwarkError {
  return new BulwarkError("BWK_INVALID_ARGUMENT", `audit query: ${message}`);
}

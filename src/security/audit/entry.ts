// Checks and bounds what a caller appends, once, before it is hashed. Names the platform chooses
// (actor type, action, outcome) must be exact; text that can come from a client (actor id,
// target, request id, detail strings) is kept but bounded, because an audit record must not be
// lost to an attacker's long or malformed input, nor grow without limit (CWE-400).

import { BulwarkError } from "../../core/errors.ts";
import { canonicalJson, isPlainObject } from "./canonical-json.ts";
import { ACTOR_TYPES, OUTCOMES } from "./types.ts";
import type { ActorType, AuditEntry, DetailValue, Details, Outcome } from "./types.ts";

export const AUDIT_LIMITS = {
  actorIdChars: 256,
  targetChars: 512,
  requestIdChars: 128,
  detailStringChars: 256,
  detailKeys: 32,
  detailKeyChars: 64,
  detailArrayItems: 32,
  detailDepth: 4,
  detailBytes: 4096,
} as const;

/** "deploy", "secret.read", "capability.denied": dotted lowercase words. */
const ACTION = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)*$/;
const MAX_ACTION_CHARS = 64;

export interface NormalizedEntry {
  actorType: ActorType;
  actorId: string;
  action: string;
  target: string;
  outcome: Outcome;
  requestId: string | null;
  /** canonicalJson(details): stored as is and spliced into the record's hash input. */
  detailsJson: string;
}

export function normalizeEntry(entry: AuditEntry): NormalizedEntry {
  if (!isPlainObject(entry)) throw invalid("an audit entry must be an object");
  const { actor, action, target, outcome, requestId, details } = entry;
  if (!isPlainObject(actor) || !(ACTOR_TYPES as readonly unknown[]).includes(actor.type)) {
    throw invalid(`audit actor.type must be one of ${ACTOR_TYPES.join(", ")}`);
  }
  if (typeof actor.id !== "string") throw invalid("audit actor.id must be a string");
  if (typeof action !== "string" || action.length > MAX_ACTION_CHARS || !ACTION.test(action)) {
    throw invalid("audit action must be dotted lowercase words, e.g. secret.read");
  }
  if (typeof target !== "string") throw invalid("audit target must be a string");
  if (!(OUTCOMES as readonly unknown[]).includes(outcome)) {
    throw invalid(`audit outcome must be one of ${OUTCOMES.join(", ")}`);
  }
  if (requestId !== undefined && requestId !== null && typeof requestId !== "string") {
    throw invalid("audit requestId must be a string or null");
  }
  if (details !== undefined && !isPlainObject(details)) throw invalid("audit details must be a plain object");

  const bounded = boundObject(details ?? {}, 1);
  const detailsJson = canonicalJson(bounded);
  if (Buffer.byteLength(detailsJson) > AUDIT_LIMITS.detailBytes) {
    throw invalid(`audit details exceed ${AUDIT_LIMITS.detailBytes} bytes of JSON`);
  }
  return {
    actorType: actor.type,
    actorId: boundText(actor.id, AUDIT_LIMITS.actorIdChars),
    action,
    target: boundText(target, AUDIT_LIMITS.targetChars),
    outcome,
    requestId: requestId == null ? null : boundText(requestId, AUDIT_LIMITS.requestIdChars),
    detailsJson,
  };
}

/**
 * Cuts text to `max` UTF-16 units and marks the cut with "…", never splitting a surrogate pair.
 * Lone surrogates become U+FFFD first: SQLite stores UTF-8 and would otherwise change them on
 * the way in, and the record would no longer match its own hash.
 */
export function boundText(text: string, max: number): string {
  const wellFormed = text.toWellFormed();
  if (wellFormed.length <= max) return wellFormed;
  let end = max - 1;
  const last = wellFormed.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${wellFormed.slice(0, end)}…`;
}

function boundObject(object: Record<string, unknown>, depth: number): Details {
  if (depth > AUDIT_LIMITS.detailDepth) throw invalid(`audit details nest deeper than ${AUDIT_LIMITS.detailDepth}`);
  const names = Object.keys(object);
  if (names.length > AUDIT_LIMITS.detailKeys) throw invalid(`audit details have more than ${AUDIT_LIMITS.detailKeys} keys`);
  // No prototype, so a "__proto__" member is plain data, never a prototype change (CWE-1321).
  const out: Details = Object.create(null) as Details;
  for (const name of names) {
    if (name.length > AUDIT_LIMITS.detailKeyChars || !name.isWellFormed()) {
      throw invalid(`audit details key is longer than ${AUDIT_LIMITS.detailKeyChars} characters or malformed`);
    }
    const value = object[name];
    if (value !== undefined) out[name] = boundValue(value, depth);
  }
  return out;
}

function boundValue(value: unknown, depth: number): DetailValue {
  if (value === null || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw invalid("audit details numbers must be finite");
    return value;
  }
  if (typeof value === "string") return boundText(value, AUDIT_LIMITS.detailStringChars);
  if (Array.isArray(value)) {
    if (value.length > AUDIT_LIMITS.detailArrayItems) {
      throw invalid(`audit details arrays hold at most ${AUDIT_LIMITS.detailArrayItems} items`);
    }
    if (depth + 1 > AUDIT_LIMITS.detailDepth) throw invalid(`audit details nest deeper than ${AUDIT_LIMITS.detailDepth}`);
    return value.map((item: unknown) => boundValue(item, depth + 1));
  }
  if (isPlainObject(value)) return boundObject(value, depth + 1);
  throw invalid(`audit details cannot hold a value of type ${typeof value}`);
}

function invalid(message: string): BulwarkError {
  return new BulwarkError("BWK_INVALID_ARGUMENT", message);
}

// What enqueue() accepts and how much of it is kept. Items come from platform code, so a malformed
// one is a programming error (BWK_INVALID_ARGUMENT); but their contents (reasons, routes, details)
// may carry attacker input of any size, so the stored payload is bounded.

import { BulwarkError } from "../../core/errors.ts";
import { SEVERITIES, isAuditRecord, type SiemItem } from "../events.ts";

/** Largest stored payload per item; larger items lose their details and long strings first. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;
const MAX_STRING = 2048;

export function checkItem(item: SiemItem): void {
  if (typeof item !== "object" || item === null) invalid("a SIEM item must be an object");
  if (typeof item.time !== "string" || !Number.isFinite(Date.parse(item.time))) invalid("a SIEM item needs an ISO time");
  if (isAuditRecord(item)) {
    if (!Number.isSafeInteger(item.seq) || item.seq < 0) invalid("an audit record needs a non-negative integer seq");
    const ok = typeof item.actor === "object" && item.actor !== null && typeof item.actor.type === "string" &&
      typeof item.actor.id === "string" && typeof item.action === "string" && typeof item.target === "string" &&
      typeof item.outcome === "string";
    if (!ok) invalid(`audit record ${item.seq} needs actor {type, id}, action, target and outcome strings`);
    return;
  }
  if (typeof item.id !== "string" || item.id.length === 0 || item.id.length > 128) invalid("a security event needs an id of 1-128 characters");
  if (typeof item.type !== "string" || item.type === "") invalid(`security event ${item.id} needs a type`);
  if (!SEVERITIES.includes(item.severity)) invalid(`security event ${item.id} has an unknown severity`);
  if (typeof item.reason !== "string") invalid(`security event ${item.id} needs a reason`);
}

/** The item as stored: JSON, at most MAX_PAYLOAD_BYTES. */
export function boundedPayload(item: SiemItem): string {
  const json = serialize(item);
  if (Buffer.byteLength(json) <= MAX_PAYLOAD_BYTES) return json;
  const { details: _dropped, ...rest } = item;
  const shortened = Object.fromEntries(
    Object.entries(rest).map(([k, v]) => [k, typeof v === "string" && v.length > MAX_STRING ? `${v.slice(0, MAX_STRING).toWellFormed()}…` : v]),
  );
  const kept = { ...shortened, details: { truncated: true, originalBytes: Buffer.byteLength(json) } };
  const smaller = serialize(kept);
  // Only a nested value of absurd size (an audit actor) can still be too large: a programming error.
  if (Buffer.byteLength(smaller) <= MAX_PAYLOAD_BYTES) return smaller;
  invalid("a SIEM item is too large even without its details");
}

function serialize(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    invalid("a SIEM item must be plain JSON data (no cycles, no bigint)");
  }
}

function invalid(message: string): never {
  throw new BulwarkError("BWK_INVALID_ARGUMENT", message);
}

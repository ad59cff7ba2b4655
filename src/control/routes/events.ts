// Security events: what the edge refused, matched or noticed (`bulwark events`). Reading them is
// itself a permission (events.read) and, like every control call, audited.
import { BulwarkError } from "../../core/errors.ts";
import type { ControlRequest, ControlRoute } from "../route.ts";

/** A type, or a family with a trailing ".*" ("waf.*", "auth.*"). */
const TYPE = /^[a-z0-9_]+(?:\.[a-z0-9_]+)*(?:\.\*)?$/;
const MAX_LIMIT = 5_000;

export const eventRoutes: ControlRoute[] = [
  {
    method: "GET",
    pattern: /^\/v1\/events$/,
    action: "events.read",
    target: () => "events",
    handle: (r) => r.platform.events.query(eventQuery(r)),
  },
];

function eventQuery(r: ControlRequest) {
  const p = r.url.searchParams;
  const since = p.get("since") ?? undefined;
  const type = p.get("type") ?? undefined;
  const limit = p.get("limit") ?? undefined;
  const after = p.get("after") ?? undefined;
  if (since !== undefined && !isIsoTime(since)) throw invalid("since must be an ISO 8601 time like 2025-01-31T12:00:00Z");
  if (type !== undefined && (type.length > 64 || !TYPE.test(type))) throw invalid('type must be an event type like waf.match, or a family like "waf.*"');
  if (limit !== undefined && !(/^\d{1,4}$/.test(limit) && Number(limit) >= 1 && Number(limit) <= MAX_LIMIT)) throw invalid(`limit must be 1 to ${MAX_LIMIT}`);
  if (after !== undefined && !/^\d{1,15}$/.test(after)) throw invalid("after must be an event sequence number");
  return {
    // Stored times are ISO strings in UTC; compare like with like.
    ...(since === undefined ? {} : { since: new Date(since).toISOString() }),
    ...(type === undefined ? {} : { type }),
    ...(after === undefined ? {} : { afterSeq: Number(after) }),
    limit: limit === undefined ? 100 : Number(limit),
  };
}

function isIsoTime(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(text) && !Number.isNaN(Date.parse(text));
}

function invalid(message: string): BulwarkError {
  return new BulwarkError("BWK_INVALID_ARGUMENT", message);
}

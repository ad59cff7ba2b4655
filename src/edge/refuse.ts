// The protection stages' refusals: each one a security event (what was refused, where, from whom,
// by which rule) and the problem the client gets. Nothing secret goes into an event: no bodies,
// no credentials; a WAF excerpt is at most 64 sanitized characters (core/waf/report.ts).
import { BulwarkError, type ErrorCode } from "../core/errors.ts";
import type { WafMatch } from "../core/waf/index.ts";
import type { WafMode } from "../core/manifest/protection.ts";
import type { Severity } from "../security/events.ts";
import type { EventSink } from "./auth/refusals.ts";
import type { Exchange } from "./exchange.ts";
import type { Refusal } from "./rate-limits.ts";
import type { RepeatSampler } from "../core/repeat-sampler.ts";

export interface ShieldEvent {
  type: "ip.denied" | "rate.limited" | "waf.match" | "input.invalid" | "body.too_large" | "unsupported_media_type" | "request.timeout" | "request.malformed" | "request.forwarding_ignored";
  severity: Severity;
  reason: string;
  ruleId?: string;
  details?: Record<string, unknown>;
}

/** What a refusal's event names about the request: also known for one node refused before it was an Exchange. */
export type RefusedRequest = Pick<Exchange, "clientIp" | "requestId" | "route" | "principal">;

export function recordRefusal(x: RefusedRequest, events: EventSink, event: ShieldEvent): void {
  events.record({
    ...event,
    route: x.route?.routeKey,
    function: x.route?.function,
    clientIp: x.clientIp,
    principal: x.principal?.identity.subject,
    requestId: x.requestId,
  });
}

/**
 * Records a refusal that comes in floods (a rate limit, a denied address) as the first of its window
 * and key, and the window's last with the count folded before it (core/repeat-sampler.ts).
 */
export function recordRepeatedRefusal(x: RefusedRequest, events: EventSink, repeats: RepeatSampler, key: string, event: ShieldEvent): void {
  // Only what the event names is kept until the window ends, not the whole exchange and its body.
  const request: RefusedRequest = { clientIp: x.clientIp, requestId: x.requestId, route: x.route, principal: x.principal };
  repeats.admit(`${event.type}|${x.clientIp}|${x.route?.routeKey ?? ""}|${key}`, Date.now(), (suppressed) =>
    recordRefusal(request, events, suppressed === 0 ? event : { ...event, details: { ...event.details, suppressed } }),
  );
}

/** Records the event and returns the error to throw. */
export function refuse(
  x: Exchange,
  events: EventSink,
  event: ShieldEvent,
  code: ErrorCode,
  detail: string,
  options: { extra?: Record<string, unknown>; headers?: Record<string, string> } = {},
): BulwarkError {
  recordRefusal(x, events, event);
  return new BulwarkError(code, detail, options);
}

/** 429 with Retry-After (RFC 6585 §4, RFC 9110 §10.2.3). */
export function rateLimited(x: Exchange, events: EventSink, repeats: RepeatSampler, refusal: Refusal): BulwarkError {
  recordRepeatedRefusal(x, events, repeats, refusal.limit, {
    type: "rate.limited",
    severity: "low",
    reason: `${refusal.limit} ${refusal.rate}`.trim(),
    details: { limit: refusal.limit, rate: refusal.rate },
  });
  return new BulwarkError("BWK_RATE_LIMITED", `too many requests: retry in ${refusal.retryAfterSeconds} s`, {
    headers: { "retry-after": String(refusal.retryAfterSeconds) },
    extra: { limit: refusal.limit, retryAfterSeconds: refusal.retryAfterSeconds },
  });
}

/**
 * A WAF match is an event in both modes; in block mode it is also a 403 naming the rule, so an
 * operator can tell a false positive from an attack and switch that route to detect.
 */
export function wafVerdict(x: Exchange, events: EventSink, mode: WafMode, match: WafMatch): void {
  const event: ShieldEvent = {
    type: "waf.match",
    severity: mode === "block" ? "high" : "medium",
    reason: `${match.class} in ${match.location}`,
    ruleId: match.ruleId,
    details: { mode, class: match.class, location: match.location, excerpt: match.excerpt },
  };
  if (mode !== "block") return recordRefusal(x, events, event);
  throw refuse(x, events, event, "BWK_WAF_BLOCKED", `blocked by WAF rule ${match.ruleId} (${match.class} in ${match.location})`, {
    extra: { ruleId: match.ruleId },
  });
}

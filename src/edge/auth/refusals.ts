// Every authentication or authorization refusal is a security event and a problem response, made
// here in one place so none is forgotten. Events name the reason, the route and the caller as far
// as it was proven (a key's name and prefix, a token's subject); never a token or key itself.
import { bearerChallenge } from "../../core/auth/challenge.ts";
import { BulwarkError } from "../../core/errors.ts";
import type { Severity } from "../../security/events.ts";
import type { SecurityEventInput } from "../../security/recorder.ts";
import type { Exchange } from "../exchange.ts";

export interface EventSink {
  record(input: SecurityEventInput): unknown;
}

/**
 * Forgery attempts rank above the everyday failures of honest clients (a missing or expired
 * credential). A token of the wrong type carries the issuer's own signature: one meant for another
 * purpose, replayed as an access token.
 */
const SEVERITY: Partial<Record<string, Severity>> = {
  missing: "low",
  expired: "low",
  "expired key": "low",
  "bad signature": "high",
  "algorithm not allowed": "high",
  "wrong token type": "high",
};

export interface Failure {
  reason: string;
  /** What the client reads: never which check failed beyond what an honest client needs. */
  detail: string;
  /** RFC 6750 §3.1 error code; absent when no credential was sent. */
  error?: "invalid_request" | "invalid_token";
  principal?: string;
  details?: Record<string, unknown>;
}

/** 401 with a Bearer challenge (RFC 6750 §3, RFC 9110 §11.6.1). */
export function unauthenticated(x: Exchange, events: EventSink, failure: Failure): BulwarkError {
  record(x, events, "auth.failure", SEVERITY[failure.reason] ?? "medium", failure.reason, failure.principal, failure.details);
  const challenge = bearerChallenge(failure.error === undefined ? {} : { error: failure.error, description: failure.detail });
  return new BulwarkError("BWK_UNAUTHORIZED", failure.detail, { headers: { "www-authenticate": challenge } });
}

/** 403: the caller is known and not allowed; a missing scope says which (RFC 6750 §3.1 insufficient_scope). */
export function forbidden(x: Exchange, events: EventSink, reason: string, principal: string, missingScopes?: string[]): BulwarkError {
  record(x, events, "auth.forbidden", "medium", reason, principal, missingScopes ? { missingScopes } : undefined);
  const headers: Record<string, string> = missingScopes
    ? { "www-authenticate": bearerChallenge({ error: "insufficient_scope", scopes: missingScopes }) }
    : {};
  return new BulwarkError("BWK_FORBIDDEN", `not allowed: ${reason}`, { headers });
}

/** 503: the keys to check a token with are not available (issuer down, secret missing). */
export function unavailable(x: Exchange, events: EventSink, why: string): BulwarkError {
  record(x, events, "auth.unavailable", "high", "token keys unavailable", undefined, undefined);
  return new BulwarkError("BWK_AUTH_UNAVAILABLE", why);
}

function record(
  x: Exchange,
  events: EventSink,
  type: string,
  severity: Severity,
  reason: string,
  principal: string | undefined,
  details: Record<string, unknown> | undefined,
): void {
  events.record({
    type,
    severity,
    reason,
    route: x.route?.routeKey,
    function: x.route?.function,
    clientIp: x.clientIp,
    principal,
    requestId: x.requestId,
    details: { auth: x.route?.trigger.auth, ...details },
  });
}

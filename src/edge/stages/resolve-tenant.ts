// For a function with `isolation: tenant`: which tenant this request belongs to, read from what
// authenticate verified (a JWT claim), or from a header on a route that authenticated its caller
// (the manifest refuses a header source on `auth: none` routes). The tenant picks the request's
// sandbox pool and data partition, so a request without a well-formed tenant is refused (403) and
// recorded, never served from a shared pool. A header sent twice is refused, not picked from.
import { BulwarkError } from "../../core/errors.ts";
import { TENANT_PATTERN } from "../../core/policy/index.ts";
import type { Exchange, Stage } from "../exchange.ts";

const TENANT = new RegExp(TENANT_PATTERN, "u");

export const resolveTenant: Stage = (x, deps) => {
  const isolation = x.route?.isolation;
  if (isolation === undefined) return;
  const principal = x.principal;
  // The manifest allows tenant isolation only on authenticated routes; fail closed otherwise.
  if (principal === undefined) throw new BulwarkError("BWK_INTERNAL", "tenant isolation on a route nobody authenticated");
  const raw = isolation.from === "jwt.claim" ? ownClaim(principal.claims, isolation.name) : headerValue(x, isolation.name);
  if (typeof raw !== "string" || !TENANT.test(raw)) {
    deps.events.record({
      type: "tenant.unresolved",
      severity: "medium",
      reason: raw === undefined ? `the request carries no tenant (${isolation.from}:${isolation.name})` : `the request's tenant is malformed (${isolation.from}:${isolation.name})`,
      route: x.route?.routeKey,
      function: x.route?.function,
      clientIp: x.clientIp,
      principal: principal.identity.subject,
      requestId: x.requestId,
    });
    throw new BulwarkError("BWK_FORBIDDEN", `this route needs a tenant from ${isolation.from} ${isolation.name}, well-formed (${TENANT_PATTERN})`);
  }
  x.tenant = raw;
  principal.identity = { ...principal.identity, tenant: raw };
};

function ownClaim(claims: Record<string, unknown> | undefined, name: string): unknown {
  return claims !== undefined && Object.hasOwn(claims, name) ? claims[name] : undefined;
}

function headerValue(x: Exchange, name: string): string | undefined {
  const raw = x.req.rawHeaders;
  let value: string | undefined;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]!.toLowerCase() !== name) continue;
    if (value !== undefined) return "\u0000duplicate"; // fails the pattern: refused
    value = raw[i + 1]!;
  }
  return value;
}

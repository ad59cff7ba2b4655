// The authorization decision for one request to one route, from what authentication proved.
// Default deny: a route that asks for roles or scopes refuses a caller that has none.
//
// - roles: [a, b]  the caller needs at least ONE of them (a role names a kind of caller).
// - scopes: [x, y] the caller needs ALL of them (a scope names a granted permission; RFC 6750 §3.1
//   insufficient_scope lists the scopes the route needs).
// - an API key's own scope (routes/functions it was created for) must cover the route.

import { keyCovers, type KeyScope } from "./api-keys.ts";

export interface RouteRules {
  function: string;
  /** "METHOD /template". */
  routeKey: string;
  roles?: readonly string[];
  scopes?: readonly string[];
}

export interface CallerClaims {
  roles: readonly string[];
  scopes: readonly string[];
  /** Set for API key callers: what the key was created for. */
  keyScope?: KeyScope;
}

export type AccessDecision =
  | { allowed: true }
  | { allowed: false; reason: "key not scoped to this route" | "missing role" | "missing scope"; missingScopes?: string[] };

export function decideAccess(route: RouteRules, caller: CallerClaims): AccessDecision {
  if (caller.keyScope !== undefined && !keyCovers(caller.keyScope, route.function, route.routeKey)) {
    return { allowed: false, reason: "key not scoped to this route" };
  }
  const roles = route.roles ?? [];
  if (roles.length > 0 && !roles.some((r) => caller.roles.includes(r))) return { allowed: false, reason: "missing role" };
  const missing = (route.scopes ?? []).filter((s) => !caller.scopes.includes(s));
  if (missing.length > 0) return { allowed: false, reason: "missing scope", missingScopes: missing };
  return { allowed: true };
}

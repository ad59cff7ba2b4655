// Turns a verified JWT's claims into who the caller is: the subject, its roles and its scopes.
// Claim values are attacker-shaped until proven otherwise, even in a signed token: only strings
// are taken, each bounded, and at most MAX_ENTRIES of them.

export interface TokenPrincipal {
  subject: string;
  roles: string[];
  scopes: string[];
}

const MAX_ENTRIES = 64;
const MAX_ENTRY_LENGTH = 128;
const MAX_SUBJECT_LENGTH = 256;

export type ClaimsResult = { ok: true; principal: TokenPrincipal } | { ok: false; reason: string };

/**
 * `sub` names the caller (RFC 7519 §4.1.2) and must be there. Roles and scopes are read from the
 * configured claims; a missing claim is an empty list, so a route that asks for a role refuses.
 */
export function principalFromClaims(claims: Readonly<Record<string, unknown>>, rolesClaim: string, scopesClaim: string): ClaimsResult {
  const sub = ownClaim(claims, "sub");
  if (typeof sub !== "string" || sub.length === 0 || sub.length > MAX_SUBJECT_LENGTH) {
    return { ok: false, reason: "no usable sub claim" };
  }
  return {
    ok: true,
    principal: { subject: sub, roles: claimList(ownClaim(claims, rolesClaim)), scopes: claimList(ownClaim(claims, scopesClaim)) },
  };
}

/**
 * A list claim as issuers write it: an array of strings (`roles`, Azure's `scp` array) or one
 * space-separated string (OAuth `scope`, RFC 8693 §4.2). Anything else is an empty list.
 */
export function claimList(value: unknown): string[] {
  const items = typeof value === "string" ? value.split(" ") : Array.isArray(value) ? value : [];
  const out = new Set<string>();
  for (const item of items) {
    if (typeof item !== "string" || item.length === 0 || item.length > MAX_ENTRY_LENGTH) continue;
    out.add(item);
    if (out.size === MAX_ENTRIES) break;
  }
  return [...out];
}

/** Own properties only: a claim named "constructor" or "__proto__" is just a missing claim (CWE-1321). */
function ownClaim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(claims, name) ? claims[name] : undefined;
}

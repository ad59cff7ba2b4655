// The rules of API keys that need no I/O: names, what a key may call, how long it lives, and
// whether a stored key is usable right now. The key itself is generateToken("bwk") from
// people/tokens.ts; only its hash is ever stored.

import { BulwarkError } from "../errors.ts";
import { HTTP_METHODS } from "../manifest/types.ts";

/** What a key may call. Both lists empty: every `auth: apiKey` route. */
export interface KeyScope {
  /** Route keys as `bulwark ls` shows them: "METHOD /template" ("GET /orders/{id}"). */
  routes: string[];
  /** Function names: every apiKey route of these functions. */
  functions: string[];
}

export interface KeyState {
  expiresAt: string | null;
  revokedAt: string | null;
}

export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
/** Characters of a key kept to recognise it in `keys ls` ("bwk_" and 4 of its 43 random ones). */
export const KEY_PREFIX_LENGTH = 8;

const MAX_LIST = 100;
const ROUTE_KEY = new RegExp(`^(${HTTP_METHODS.join("|")}) (/[^\\s,]{0,1023})$`);
const FUNCTION_NAME = /^[a-z][a-z0-9-]{0,62}$/;
const ROLE = /^[^\s,]{1,128}$/;
const LIFETIME = /^(\d{1,6})(m|h|d)$/;
const LIFETIME_UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const MAX_LIFETIME_MS = 3650 * 86_400_000;

export function checkKeyName(name: unknown): string {
  if (typeof name !== "string" || !KEY_NAME_PATTERN.test(name)) {
    throw invalid("the key name must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
  return name;
}

/** Splits "GET /x, POST /y" (or takes an array) into checked route keys. */
export function parseRouteKeys(value: unknown): string[] {
  return list(value, "routes", (entry) => {
    if (!ROUTE_KEY.test(entry)) throw invalid(`route ${JSON.stringify(entry.slice(0, 80))} must be "METHOD /path", like "GET /orders/{id}"`);
  });
}

export function parseFunctionNames(value: unknown): string[] {
  return list(value, "functions", (entry) => {
    if (!FUNCTION_NAME.test(entry)) throw invalid(`${JSON.stringify(entry.slice(0, 80))} is not a function name`);
  });
}

export function parseRoles(value: unknown): string[] {
  return list(value, "roles", (entry) => {
    if (!ROLE.test(entry)) throw invalid(`role ${JSON.stringify(entry.slice(0, 80))} must be 1 to 128 characters without spaces or commas`);
  });
}

/** "90m", "12h", "30d" → milliseconds; at most ten years. */
export function parseKeyLifetime(value: unknown): number {
  const match = typeof value === "string" ? LIFETIME.exec(value) : null;
  if (!match) throw invalid("the lifetime must be a whole number of minutes, hours or days, like 90m, 12h or 30d");
  const ms = Number(match[1]) * LIFETIME_UNITS[match[2]!]!;
  if (ms === 0 || ms > MAX_LIFETIME_MS) throw invalid("the lifetime must be more than 0 and at most 3650d");
  return ms;
}

/** Does the key's scope cover this route of this function? */
export function keyCovers(scope: KeyScope, fn: string, routeKey: string): boolean {
  if (scope.routes.length === 0 && scope.functions.length === 0) return true;
  return scope.routes.includes(routeKey) || scope.functions.includes(fn);
}

/** Why a stored key cannot be used now, or null if it can. Revocation wins over expiry. */
export function keyUnusable(key: KeyState, now: number): "revoked key" | "expired key" | null {
  if (key.revokedAt !== null) return "revoked key";
  if (key.expiresAt !== null && Date.parse(key.expiresAt) <= now) return "expired key";
  return null;
}

function list(value: unknown, what: string, check: (entry: string) => void): string[] {
  const items = typeof value === "string" ? value.split(",") : Array.isArray(value) ? value : undefined;
  if (items === undefined || items.some((i) => typeof i !== "string")) throw invalid(`${what} must be a comma-separated list`);
  const entries = [...new Set((items as string[]).map((i) => i.trim()).filter((i) => i.length > 0))];
  if (entries.length > MAX_LIST) throw invalid(`${what} may name at most ${MAX_LIST} entries`);
  for (const entry of entries) check(entry);
  return entries;
}

function invalid(message: string): BulwarkError {
  return new BulwarkError("BWK_INVALID_ARGUMENT", message);
}

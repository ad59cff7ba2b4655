// The edge-protection parts of a manifest: per route `input` (a JSON Schema file), `maxBody`,
// `contentTypes`, `waf` and `rateLimit`; per app `limits` (rate limits by client, key and subject)
// and `network` (IP allow/deny lists). Only what was written is kept; the edge applies
// PROTECTION_DEFAULTS for the rest, so an unchanged manifest normalizes to the same spec as before.

import { parseCidr } from "../ipaddr.ts";
import { quote, type Fail, type Path } from "./problem.ts";
import type { RawLimits, RawNetwork, RawRate, RawRouteProtection } from "./protection-schema.ts";
import { formatSize, parseSize } from "./units.ts";

export type WafMode = "off" | "detect" | "block";

/** A token bucket: `burst` tokens at most, refilled at `perSecond`; `text` is the rate as written. */
export interface RateLimit {
  perSecond: number;
  burst: number;
  text: string;
}

/** What a limit may say: a bucket, or "off" to switch a default limit off. */
export type RateSetting = RateLimit | "off";

export interface AppLimits {
  /** Every request, per client address. */
  perIp?: RateSetting;
  /** Requests authenticated with an API key, per key. */
  perKey?: RateSetting;
  /** Requests authenticated with a JWT, per subject. */
  perSubject?: RateSetting;
  /** Failed authentications, per client address; an address out of tokens is refused outright. */
  authFailuresPerIp?: RateSetting;
}

/** Canonical CIDRs ("203.0.113.0/24"). */
export interface NetworkLists {
  allow?: string[];
  deny?: string[];
}

/** The protection keys of one http route, as normalized into its trigger. */
export interface RouteProtection {
  /** The JSON Schema file of the request body, relative to the app directory. */
  input?: string;
  /**
   * That file's content, attached at deploy from what the CLI read and sent (input-schemas.ts):
   * stored with the version, so a rollback restores the schema its code was written against.
   */
  inputSchema?: Record<string, unknown>;
  /** Most request body bytes this route reads. */
  maxBodyBytes?: number;
  /** Media types this route accepts ("application/json", "text/*"); absent: any. */
  contentTypes?: string[];
  waf?: WafMode;
  /** One bucket for the whole route, shared by every caller. */
  rateLimit?: RateLimit;
}

export const PROTECTION_DEFAULTS = {
  waf: "block" as WafMode,
  /** Objects and arrays nested deeper than this are refused before parsing (CWE-674). */
  maxJsonDepth: 64,
  limits: {
    perIp: { perSecond: 100, burst: 200, text: "100/s" },
    perKey: { perSecond: 50, burst: 100, text: "50/s" },
    perSubject: { perSecond: 50, burst: 100, text: "50/s" },
    authFailuresPerIp: { perSecond: 30 / 60, burst: 30, text: "30/m" },
  } satisfies Record<keyof AppLimits, RateLimit>,
} as const;

export const PROTECTION_LIMITS = {
  /**
   * The edge buffers a body in memory and hands it to the sandbox whole, in one frame of at most
   * 8 MiB (sandbox/protocol.ts) after JSON escaping or base64; it is also what the WAF inspects.
   */
  maxBodyBytes: 4 * 1024 * 1024,
} as const;

/** Methods whose requests carry no body to validate (RFC 9110 §9.3.1, §9.3.2). */
const BODILESS = new Set(["GET", "HEAD", "OPTIONS"]);
const RATE_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600 };

/**
 * `at` is the trigger's http mapping. `fnInput` is the function-level `input`, which applies to
 * each of its routes that carries a body and names neither a schema nor media types of its own.
 */
export function routeProtection(raw: RawRouteProtection, method: string, at: Path, fail: Fail, fnInput?: string): RouteProtection {
  const out: RouteProtection = {};
  if (raw.input !== undefined) {
    if (BODILESS.has(method)) fail([...at, "input"], `validates a request body, and ${method} requests have none`);
    out.input = schemaPath(raw.input, [...at, "input"], fail);
  } else if (fnInput !== undefined && !BODILESS.has(method) && raw.contentTypes === undefined) {
    out.input = fnInput;
  }
  if (raw.maxBody !== undefined) out.maxBodyBytes = maxBody(raw.maxBody, [...at, "maxBody"], fail);
  if (raw.contentTypes !== undefined) {
    if (out.input !== undefined) {
      fail([...at, "contentTypes"], "cannot be set on a route with input: such a route takes application/json only");
    }
    out.contentTypes = [...raw.contentTypes];
  }
  if (raw.waf !== undefined) out.waf = raw.waf;
  if (raw.rateLimit !== undefined) {
    // A route has no rate limit unless it says so: there is no default to switch off.
    out.rateLimit = rateSetting(raw.rateLimit, [...at, "rateLimit"], fail, false) as RateLimit;
  }
  return out;
}

/** The function-level `input`, checked once and shared by the function's routes. */
export function functionInput(raw: string | undefined, at: Path, fail: Fail): string | undefined {
  return raw === undefined ? undefined : schemaPath(raw, at, fail);
}

export function appLimits(raw: RawLimits, fail: Fail): AppLimits {
  const out: AppLimits = {};
  for (const name of ["perIp", "perKey", "perSubject", "authFailuresPerIp"] as const) {
    const value = raw[name];
    if (value !== undefined) out[name] = rateSetting(value, ["limits", name], fail);
  }
  return out;
}

/** Each entry parsed and written back canonically, so a typo fails the deploy, not a request. */
export function networkLists(raw: RawNetwork, fail: Fail): NetworkLists {
  const out: NetworkLists = {};
  for (const list of ["allow", "deny"] as const) {
    const entries = raw[list];
    if (entries === undefined) continue;
    out[list] = entries.map((text, i) => {
      const cidr = parseCidr(text.trim());
      if (cidr === null) return fail(["network", list, i], `must be an IPv4 or IPv6 address or CIDR (like 203.0.113.0/24), got ${quote(text)}`);
      return cidr.text;
    });
  }
  return out;
}

/** "100/s", "30/m", "1000/h" (burst: the count), or { rate: "100/s", burst: 200 }, or "off". */
export function rateSetting(raw: RawRate, at: Path, fail: Fail, allowOff = true): RateSetting {
  if (raw === "off" && allowOff) return "off";
  const text = typeof raw === "string" ? raw : raw.rate;
  const where = typeof raw === "string" ? at : [...at, "rate"];
  const match = /^(\d{1,9})\/(s|m|h)$/.exec(text);
  if (match === null) return fail(where, `must be a rate like 100/s, 30/m or 1000/h${allowOff && typeof raw === "string" ? ", or off" : ""}, got ${quote(text)}`);
  const count = Number(match[1]);
  if (count === 0) return fail(where, `must allow at least 1 request${allowOff ? "; write off to switch the limit off" : ""}`);
  const burst = typeof raw === "string" ? count : (raw.burst ?? count);
  return { perSecond: count / (RATE_UNITS[match[2]!] ?? 1), burst, text };
}

function maxBody(value: string | number, at: Path, fail: Fail): number {
  let bytes: number;
  try {
    bytes = typeof value === "number" ? value : parseSize(value);
  } catch (e) {
    return fail(at, (e as Error).message);
  }
  if (bytes > PROTECTION_LIMITS.maxBodyBytes) fail(at, `must be at most ${formatSize(PROTECTION_LIMITS.maxBodyBytes)}, got ${formatSize(bytes)}`);
  return bytes;
}

/** Like a handler path: relative, inside the app directory (CWE-22), and a .json file. */
function schemaPath(path: string, at: Path, fail: Fail): string {
  if (/[\u0000-\u001f\u007f\\]/.test(path)) fail(at, `must use "/" and no control characters`);
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path)) fail(at, "must be relative to the app directory");
  const parts = path.split("/");
  if (parts.includes("..")) fail(at, `must not contain ".." (it must stay inside the app directory)`);
  if (parts.includes("")) fail(at, `must not contain empty segments ("//" or a trailing "/")`);
  if (!/[^/]\.json$/.test(path)) fail(at, "must be a .json file (a JSON Schema)");
  // "./a.json" and "a.json" are one file: one key in the schemas the CLI sends.
  return parts.filter((p) => p !== ".").join("/");
}

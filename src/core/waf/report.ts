// How a match is reported: where it was and a short, safe excerpt of what matched.
import type { WafLocation } from "./types.ts";

const EXCERPT_LENGTH = 64;
const EXCERPT_LEAD = 16;
const MAX_LOCATION_LENGTH = 128;

/** A place in a body, kept as a parent chain so a path string is only built for a match. */
export interface BodyPath {
  parent: BodyPath | undefined;
  key: string | number;
}

/** A header, named in the location only when it matched. */
export interface HeaderName {
  header: string;
}

export type Where = "path" | "query" | HeaderName | BodyPath | undefined;

export function locationOf(where: Where): WafLocation {
  if (typeof where === "string") return where;
  if (where !== undefined && "header" in where) return `header:${sanitize(where.header).slice(0, 64)}`;
  let path = "";
  for (let node = where; node !== undefined && path.length <= MAX_LOCATION_LENGTH; node = node.parent) {
    path = segment(node.key) + path;
  }
  const full = `$${path}`;
  // Deep paths keep their end: the innermost members say the most.
  return `body:${full.length > MAX_LOCATION_LENGTH ? `…${full.slice(-MAX_LOCATION_LENGTH)}` : full}`;
}

function segment(key: string | number): string {
  if (typeof key === "number") return `[${key}]`;
  if (/^[A-Za-z_$][\w$]{0,63}$/.test(key)) return `.${key}`;
  return `[${sanitize(JSON.stringify(key.length > 32 ? `${key.slice(0, 32)}…` : key))}]`;
}

/** At most 64 characters around the match, starting a little before it. */
export function excerpt(view: string, index: number): string {
  let start = Math.max(0, index - EXCERPT_LEAD);
  let end = Math.min(view.length, start + EXCERPT_LENGTH);
  if (isLowSurrogate(view.charCodeAt(start))) start++;
  if (end > start && isHighSurrogate(view.charCodeAt(end - 1))) end--;
  return sanitize(view.slice(start, end));
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;

/**
 * Makes attacker text safe to show and log: C0 controls become their visible symbols (NUL is
 * "␀", a newline "␊"), so an excerpt can neither forge a log line nor hide what it contained;
 * other controls, invisible format characters and bidi overrides (CWE-117, CVE-2021-42574
 * "Trojan Source") become U+FFFD.
 */
function sanitize(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, (c) => {
    const code = c.charCodeAt(0);
    if (code < 0x20) return String.fromCharCode(0x2400 + code);
    return code === 0x7f ? "\u2421" : "\ufffd";
  });
}

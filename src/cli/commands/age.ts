// Ages and lifetimes as people type them on the command line: 90s, 30m, 12h, 7d.
import { BulwarkError } from "../../core/errors.ts";

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function ageMs(option: string, text: string, expected = "like 90s, 30m, 12h or 7d"): number {
  const m = /^(\d{1,6})(s|m|h|d)$/.exec(text);
  if (m === null || Number(m[1]) === 0) throw new BulwarkError("BWK_USAGE", `--${option} must be ${expected}, got "${text.slice(0, 32)}"`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** `--since 7d` or `--since 2025-01-31`: an ISO 8601 time goes as typed (the platform checks it). */
export function timeOrAge(option: string, text: string, now = Date.now()): string {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) return text;
  return new Date(now - ageMs(option, text, "an age like 30m, 12h or 7d, or an ISO 8601 time like 2025-01-31T12:00:00Z")).toISOString();
}

/** Control characters and bidi overrides in what clients sent must not reach a terminal (CWE-150). */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

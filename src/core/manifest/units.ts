// Sizes and durations as people write them in bulwark.yaml. Each parser throws a plain Error whose
// message is a reason ("must be ..."); parse.ts adds the file, line and field.
//
// Sizes use binary units only: memory limits are enforced in bytes by the kernel (cgroups), and
// "64M" is ambiguous between 64*10^6 and 64*2^20, so it is refused rather than guessed.

import { quote } from "./problem.ts";

const SIZE_UNITS: Record<string, number> = { "": 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "512Ki", "128Mi", "1Gi" or a plain number of bytes ("134217728") → bytes. */
export function parseSize(s: string): number {
  const match = /^(\d{1,16})(Ki|Mi|Gi)?$/.exec(s);
  if (match === null) throw new Error(sizeReason(s));
  return checked(Number(match[1]) * (SIZE_UNITS[match[2] ?? ""] ?? 1), s);
}

/** "500ms", "5s", "2m", "1h" → milliseconds. One whole number and one unit; no "1m30s". */
export function parseDuration(s: string): number {
  const match = /^(\d{1,15})(ms|s|m|h)$/.exec(s);
  if (match === null) throw new Error(durationReason(s));
  return checked(Number(match[1]) * (DURATION_UNITS[match[2] ?? ""] ?? 1), s);
}

function checked(n: number, s: string): number {
  if (!Number.isSafeInteger(n)) throw new Error(`is too large, got ${quote(s)}`);
  return n;
}

function sizeReason(s: string): string {
  if (s.startsWith("-")) return `must not be negative, got ${quote(s)}`;
  if (/^\d+\.\d*(Ki|Mi|Gi)?$/.test(s)) return `must be a whole number of bytes, Ki, Mi or Gi (like 1536Mi), got ${quote(s)}`;
  if (/^\d+(\.\d+)?\s*[A-Za-z]+$/.test(s)) {
    return `must use the binary units Ki, Mi or Gi (like 128Mi), got ${quote(s)}`;
  }
  return `must be a size like 128Mi, got ${quote(s)}`;
}

function durationReason(s: string): string {
  if (s.startsWith("-")) return `must not be negative, got ${quote(s)}`;
  if (/^\d+$/.test(s)) return `needs a unit: ms, s, m or h (like 5s), got ${quote(s)}`;
  if (/^\d*\.\d+(ms|s|m|h)$/.test(s)) return `must be a whole number with a unit (like 1500ms), got ${quote(s)}`;
  return `must be a duration like 500ms, 5s, 2m or 1h, got ${quote(s)}`;
}

/** 134217728 → "128Mi": used to write limits back in the units people read. */
export function formatSize(bytes: number): string {
  for (const unit of ["Gi", "Mi", "Ki"]) {
    const size = SIZE_UNITS[unit] ?? 1;
    if (bytes % size === 0 && bytes >= size) return `${bytes / size}${unit}`;
  }
  return String(bytes);
}

/** 900000 → "15m". */
export function formatDuration(ms: number): string {
  for (const unit of ["h", "m", "s"]) {
    const size = DURATION_UNITS[unit] ?? 1;
    if (ms % size === 0 && ms >= size) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

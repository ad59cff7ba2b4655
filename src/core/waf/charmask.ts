// Which ASCII characters a string contains, as two 32-bit masks, so a rule whose every needed
// literal has a character the string lacks is skipped with two integer ANDs instead of scans.
// Most values of a request are skipped by most rules this way: it is the WAF's hot path.

export interface CharMask {
  lo: number;
  hi: number;
}

// Letters take one bit each, digits share one, then the punctuation rules care about.
// Characters outside the table set no bit and are never required.
const PUNCTUATION = "'\"<=;&|$(:/\\#-?@.*_\n\0`>!{,)[]+%~^} ";
const BIT = new Int8Array(128).fill(-1);
for (let c = 0; c < 26; c++) BIT[0x61 + c] = c;
for (let c = 0; c < 10; c++) BIT[0x30 + c] = 26;
for (let i = 0; i < PUNCTUATION.length; i++) BIT[PUNCTUATION.charCodeAt(i)] = 27 + i;

export function charMask(text: string): CharMask {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const bit = code < 128 ? (BIT[code] ?? -1) : -1;
    if (bit < 0) continue;
    if (bit < 32) lo |= 1 << bit;
    else hi |= 1 << (bit - 32);
  }
  return { lo, hi };
}

/** True when `text` has every character of `required` that the table knows. */
export function hasAll(text: CharMask, required: CharMask): boolean {
  return (text.lo & required.lo) === required.lo && (text.hi & required.hi) === required.hi;
}

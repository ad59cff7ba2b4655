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
const LO = new Int32Array(128);
const HI = new Int32Array(128);
const assign = (code: number, bit: number) => {
  if (bit < 32) LO[code] = 1 << bit;
  else HI[code] = 1 << (bit - 32);
};
for (let c = 0; c < 26; c++) assign(0x61 + c, c);
for (let c = 0; c < 10; c++) assign(0x30 + c, 26);
for (let i = 0; i < PUNCTUATION.length; i++) assign(PUNCTUATION.charCodeAt(i), 27 + i);

export const SPACE_MASK: CharMask = charMask(" ");

export function charMask(text: string): CharMask {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128) {
      lo |= LO[code] as number;
      hi |= HI[code] as number;
    }
  }
  return { lo, hi };
}

/** True when `text` has every character of `required` that the table knows. */
export function hasAll(text: CharMask, required: CharMask): boolean {
  return (text.lo & required.lo) === required.lo && (text.hi & required.hi) === required.hi;
}

// Findings quote the scanned project (file names, advisory summaries): text from an attacker.
// Before it reaches a terminal, control characters (ANSI escapes, CR tricks) and the bidi
// overrides of "Trojan Source" (CVE-2021-42574) are replaced.
const UNPRINTABLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

export function printable(s: string): string {
  return s.replace(UNPRINTABLE, "\uFFFD").replace(/[\r\n\t]+/g, " ");
}

// HTML character references (WHATWG HTML §13.2.5.72-80), decoded the way a browser would before
// the markup reaches a parser: named (case-insensitively, with or without the ";"), decimal and
// hex, with any number of leading zeros. Only names that can rebuild markup, script, a URL scheme
// or a path are listed: a reference the table does not know is left as text.

const NAMED: ReadonlyMap<string, string> = new Map([
  ["lt", "<"], ["gt", ">"], ["amp", "&"], ["quot", '"'], ["apos", "'"], ["nbsp", "\u00a0"],
  ["tab", "\t"], ["newline", "\n"], ["colon", ":"], ["semi", ";"], ["comma", ","], ["period", "."],
  ["sol", "/"], ["bsol", "\\"], ["lpar", "("], ["rpar", ")"], ["lsqb", "["], ["lbrack", "["],
  ["rsqb", "]"], ["rbrack", "]"], ["lcub", "{"], ["lbrace", "{"], ["rcub", "}"], ["rbrace", "}"],
  ["excl", "!"], ["quest", "?"], ["num", "#"], ["dollar", "$"], ["percnt", "%"], ["ast", "*"],
  ["midast", "*"], ["plus", "+"], ["equals", "="], ["lowbar", "_"], ["grave", "`"], ["verbar", "|"],
  ["vert", "|"], ["commat", "@"], ["hat", "^"], ["dash", "-"], ["hyphen", "-"],
]);

const LONGEST_NAME = Math.max(...[...NAMED.keys()].map((name) => name.length));

const REFERENCE = /&(?:#0*(\d{1,7})|#[xX]0*([0-9a-fA-F]{1,6})|([a-zA-Z][a-zA-Z0-9]{0,31}));?/g;

export function decodeEntities(text: string): string {
  return text.replace(REFERENCE, (whole, dec: string | undefined, hex: string | undefined, name: string | undefined) => {
    if (name === undefined) return codePoint(Number.parseInt(dec ?? hex ?? "", dec === undefined ? 16 : 10));
    const lower = name.toLowerCase();
    const exact = NAMED.get(lower);
    if (exact !== undefined) return exact;
    // "&ltscript" is "<script" to a browser: the longest known name that prefixes the run wins.
    for (let length = Math.min(lower.length - 1, LONGEST_NAME); length >= 2; length--) {
      const prefix = NAMED.get(lower.slice(0, length));
      if (prefix !== undefined) return prefix + whole.slice(1 + length);
    }
    return whole;
  });
}

/** NUL, surrogates and values past U+10FFFF become U+FFFD, as in HTML's numeric reference rules. */
function codePoint(value: number): string {
  if (value === 0 || value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff)) return "\ufffd";
  return String.fromCodePoint(value);
}

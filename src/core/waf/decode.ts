// Normalization: what an input means after every decoder an application or browser might apply,
// so that rules are written once against plain lower-case text. Evasion is mostly encoding
// (CWE-172, CWE-174: double decoding), so decoding repeats until the value stops changing.
import { charMask, SPACE_MASK, type CharMask } from "./charmask.ts";
import { decodeEntities } from "./entities.ts";
import type { WafView } from "./types.ts";

/**
 * Rounds of decoding. "%252527" needs three; an application that decodes more often than this
 * is rare, and the bound keeps the cost linear whatever the input.
 */
const MAX_ROUNDS = 5;

/** The normalized forms of one value; compact and shell are derived on first use. */
export class Views implements Readonly<Record<WafView, string>> {
  readonly text: string;
  /**
   * The characters of every view: compact and shell only ever drop characters from the text or
   * put spaces in, so the text's mask plus a space covers them all.
   */
  readonly mask: CharMask;
  #compact: string | undefined;
  #shell: string | undefined;

  constructor(text: string) {
    this.text = text;
    const mask = charMask(text);
    this.mask = { lo: mask.lo | SPACE_MASK.lo, hi: mask.hi | SPACE_MASK.hi };
  }

  get compact(): string {
    this.#compact ??= compactView(this.text);
    return this.#compact;
  }

  get shell(): string {
    this.#shell ??= shellView(this.text);
    return this.#shell;
  }

  view(name: WafView): string {
    return name === "text" ? this.text : name === "compact" ? this.compact : this.shell;
  }
}

/**
 * `form` turns "+" into a space (WHATWG URL, application/x-www-form-urlencoded): query strings.
 * Views (compact and shell are both derived from text):
 *  - text: decoded (percent incl. overlong UTF-8 and %uXXXX, HTML references, \uXXXX and \xXX,
 *    NFKC), lower-cased, whitespace runs folded to one space (or one newline if they held one);
 *  - compact: text without NUL and invisible format characters, and without SQL comments
 *    (a comment is a token separator to SQL, so it becomes a space; MySQL's executable
 *    comments keep their content);
 *  - shell: text without the shell's quoting tricks (c'a't, c\at, ca$@t, ${IFS}).
 */
export function normalize(raw: string, form: boolean): Views {
  let value = raw;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const next = decodeOnce(value, form);
    if (next === value) break;
    value = next;
  }
  return new Views(foldWhitespace(value.toLowerCase()));
}

const NON_ASCII = /[^\x00-\x7f]/;

function decodeOnce(value: string, form: boolean): string {
  let out = value;
  // NFKC folds fullwidth and compatibility forms ("＜ｓｃｒｉｐｔ＞", "％２７") onto ASCII.
  if (NON_ASCII.test(out)) out = out.normalize("NFKC");
  if (out.includes("%") || (form && out.includes("+"))) out = percentDecode(out, form);
  if (out.includes("&")) out = decodeEntities(out);
  if (out.includes("\\")) out = out.replace(ESCAPE, decodeEscape);
  return out;
}

const PERCENT = /(?:%[0-9a-fA-F]{2})+|%[uU][0-9a-fA-F]{4}/g;
const PERCENT_FORM = /(?:%[0-9a-fA-F]{2})+|%[uU][0-9a-fA-F]{4}|\+/g;

function percentDecode(value: string, form: boolean): string {
  return value.replace(form ? PERCENT_FORM : PERCENT, (run) => {
    if (run === "+") return " ";
    if (run[1] === "u" || run[1] === "U") return String.fromCharCode(Number.parseInt(run.slice(2), 16)); // IIS %uXXXX
    return decodeUtf8Leniently(run);
  });
}

/**
 * UTF-8 that also accepts overlong forms: "%c0%ae" is "." to a lenient decoder (the classic
 * traversal evasion, CWE-176), so it must be "." to us. Bytes that form no character stay as
 * their "%XX" text.
 */
function decodeUtf8Leniently(run: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < run.length; i += 3) bytes.push(Number.parseInt(run.slice(i + 1, i + 3), 16));
  let out = "";
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i] ?? 0;
    if (lead < 0x80) {
      out += String.fromCharCode(lead);
      i++;
      continue;
    }
    const length = lead >= 0xf0 && lead <= 0xf7 ? 4 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xc0 && lead <= 0xdf ? 2 : 0;
    let codePoint = length === 0 ? -1 : lead & (0xff >> (length + 1));
    for (let k = 1; k < length && codePoint >= 0; k++) {
      const next = bytes[i + k];
      codePoint = next !== undefined && (next & 0xc0) === 0x80 ? (codePoint << 6) | (next & 0x3f) : -1;
    }
    if (codePoint >= 0 && codePoint <= 0x10ffff && (codePoint < 0xd800 || codePoint > 0xdfff)) {
      out += String.fromCodePoint(codePoint);
      i += length;
    } else {
      out += run.slice(i * 3, i * 3 + 3);
      i++;
    }
  }
  return out;
}

const ESCAPE = /\\u\{([0-9a-fA-F]{1,6})\}|\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})/g;

function decodeEscape(whole: string, braced?: string, u4?: string, x2?: string): string {
  const value = Number.parseInt(braced ?? u4 ?? x2 ?? "", 16);
  return value <= 0x10ffff ? String.fromCodePoint(value) : whole;
}

// Runs of two or more whitespace characters, or any single one that is not a plain space:
// matched once each, so folding stays linear however long the run.
const WHITESPACE_RUN = /\s{2,}|[^\S ]/g;
const LINE_BREAK = /[\n\r\u2028\u2029]/;

function foldWhitespace(text: string): string {
  return text.replace(WHITESPACE_RUN, (run) => (LINE_BREAK.test(run) ? "\n" : " "));
}

const INVISIBLE = /[\0\p{Cf}]/gu;

function compactView(text: string): string {
  let out = text.replace(INVISIBLE, "");
  if (out.includes("/*")) out = stripBlockComments(out);
  if (out.includes("\n") && (out.includes("--") || out.includes("#"))) out = stripLineComments(out);
  return out === text ? text : foldWhitespace(out);
}

/** "/* … *\/" becomes a space; "/*!50000 union*\/" (MySQL runs it) keeps "union". Linear scan. */
function stripBlockComments(text: string): string {
  let out = "";
  let from = 0;
  for (;;) {
    const open = text.indexOf("/*", from);
    if (open < 0) break;
    const close = text.indexOf("*/", open + 2);
    if (close < 0) break; // unterminated: left as is, and so are any later openers
    const body = text.slice(open + 2, close);
    out += `${text.slice(from, open)} ${body.startsWith("!") ? body.replace(/^!\d*/, "") : ""} `;
    from = close + 2;
  }
  return out + text.slice(from);
}

/**
 * "-- …" and "# …" up to a line break are comments to SQL, so "union--x\nselect" is "union select".
 * The last line keeps its comment: a trailing "--" is a signal the comment rules look for.
 */
function stripLineComments(text: string): string {
  const lines = text.split("\n");
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i] ?? "";
    const dash = line.indexOf("--");
    const hash = line.indexOf("#");
    const cut = dash < 0 ? hash : hash < 0 ? dash : Math.min(dash, hash);
    if (cut >= 0) lines[i] = line.slice(0, cut);
  }
  return lines.join(" ");
}

const SHELL_NOISE = /[\0\p{Cf}'"]|\$[@*]|(?<!:)\\/gu;
const IFS = /\$\{ifs[^}]{0,8}\}|\$ifs(?:\$\d)?\b/g;

function shellView(text: string): string {
  const out = text.replace(IFS, " ").replace(SHELL_NOISE, "");
  return out === text ? text : foldWhitespace(out);
}

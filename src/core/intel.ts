// Threat-intelligence feed parsing: plain IP/CIDR lists and STIX 2.1 bundles, into entries for
// the IP deny list. A feed is third-party input: every line or object that cannot be used is
// reported (with its line or object id), never silently dropped, and quoted back only in part.
import { BulwarkError } from "./errors.ts";
import { parseCidr } from "./ipaddr.ts";

export interface IntelEntry {
  /** Canonical CIDR ("198.51.100.1/32", "2001:db8::/32"). */
  cidr: string;
  expiresAt?: number;
  /** Where the entry came from: "<feed>:<line>" for plain lists, the STIX object id for bundles. */
  source: string;
}

export interface IntelResult {
  entries: IntelEntry[];
  errors: string[];
}

/** Past this many, errors are summarised: a broken feed of a million lines must not make a million strings. */
const MAX_ERRORS = 100;

/**
 * One address or CIDR per line. "#" and ";" start comments (";" is the Spamhaus DROP style:
 * "1.10.16.0/20 ; SBL256894"); blank lines are skipped; CRLF and a UTF-8 BOM are tolerated.
 */
export function parsePlainList(text: string, feed = "plain-list"): IntelResult {
  const entries: IntelEntry[] = [];
  const errors = new ErrorList();
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const content = (lines[i] ?? "").replace(/[#;].*$/, "").trim();
    if (content === "") continue;
    const cidr = parseCidr(content);
    if (cidr === null) errors.add(`line ${i + 1}: ${quote(content)} is not an IP address or CIDR`);
    else entries.push({ cidr: cidr.text, source: `${feed}:${i + 1}` });
  }
  return { entries, errors: errors.list() };
}

/**
 * A STIX 2.1 bundle (OASIS STIX 2.1 §8): ipv4-addr / ipv6-addr objects by value, and indicators
 * with pattern_type "stix" whose pattern is one or more ipv4-addr:value / ipv6-addr:value
 * comparisons (=, ISSUBSET, IN) joined by OR. Revoked indicators are skipped; valid_until becomes
 * the expiry. Patterns that need AND, NOT, FOLLOWEDBY or qualifiers cannot be reduced to an
 * address list without blocking more than the indicator says, so they are reported, not guessed.
 * Throws BWK_INVALID_ARGUMENT when the input is not a bundle at all.
 */
export function parseStixBundle(json: unknown): IntelResult {
  if (!isRecord(json) || json.type !== "bundle") {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", 'not a STIX 2.1 bundle: expected an object with "type": "bundle"');
  }
  if (json.objects === undefined) return { entries: [], errors: [] };
  if (!Array.isArray(json.objects)) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", 'not a STIX 2.1 bundle: "objects" must be an array');
  }
  const entries: IntelEntry[] = [];
  const errors = new ErrorList();
  json.objects.forEach((object: unknown, index: number) => {
    if (!isRecord(object)) {
      errors.add(`objects[${index}]: not an object`);
      return;
    }
    const source = typeof object.id === "string" ? quote(object.id) : `objects[${index}]`;
    if (object.type === "ipv4-addr" || object.type === "ipv6-addr") {
      const cidr = typeof object.value === "string" ? parseCidr(object.value) : null;
      if (cidr === null) errors.add(`${source}: value ${quote(object.value)} is not an IP address or CIDR`);
      else entries.push({ cidr: cidr.text, source });
      return;
    }
    if (object.type === "indicator") readIndicator(object, source, entries, errors);
  });
  return { entries, errors: errors.list() };
}

function readIndicator(indicator: Record<string, unknown>, source: string, entries: IntelEntry[], errors: ErrorList): void {
  if (indicator.revoked === true) return;
  // Other pattern languages (snort, yara, sigma...) are valid STIX that simply is not about addresses.
  if (indicator.pattern_type !== "stix") {
    if (indicator.pattern_type === undefined) errors.add(`${source}: indicator has no pattern_type`);
    return;
  }
  if (typeof indicator.pattern !== "string") {
    errors.add(`${source}: indicator has no pattern`);
    return;
  }
  let expiresAt: number | undefined;
  if (indicator.valid_until !== undefined) {
    expiresAt = typeof indicator.valid_until === "string" ? Date.parse(indicator.valid_until) : Number.NaN;
    if (Number.isNaN(expiresAt)) {
      errors.add(`${source}: valid_until ${quote(indicator.valid_until)} is not a timestamp`);
      return;
    }
  }
  const parsed = parseIpPattern(indicator.pattern);
  if (typeof parsed === "string") {
    errors.add(`${source}: ${parsed}`);
    return;
  }
  for (const value of parsed) {
    const cidr = parseCidr(value);
    if (cidr === null) errors.add(`${source}: ${quote(value)} is not an IP address or CIDR`);
    else entries.push(expiresAt === undefined ? { cidr: cidr.text, source } : { cidr: cidr.text, expiresAt, source });
  }
}

// STIX patterning (STIX 2.1 §9) tokens: an object path (which may quote a component, as in
// file:hashes.'SHA-256'), brackets and parentheses, a '' string literal with \' and \\ escapes,
// or a word (keyword, operator, number, the t/h/b prefix of a typed literal).
const TOKEN =
  /\s*(?:([A-Za-z0-9_-]+:(?:[A-Za-z0-9_.*\[\]-]|'(?:[^'\\]|\\.)*')+)|(\[|\]|\(|\)|,)|'((?:[^'\\]|\\.)*)'|([A-Za-z0-9_.-]+|!=|<=|>=|=|<|>))/y;
const IP_PATHS = new Set(["ipv4-addr:value", "ipv6-addr:value"]);

/**
 * The address values of an OR-only pattern, [] when it compares no addresses (e.g. a domain
 * indicator), or a message saying why it cannot be used.
 */
function parseIpPattern(pattern: string): string[] | string {
  const tokens: Array<{ kind: "path" | "punct" | "string" | "word"; text: string }> = [];
  const end = pattern.trimEnd().length;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < end) {
    const offset = TOKEN.lastIndex;
    const m = TOKEN.exec(pattern);
    if (m === null) return `pattern has unexpected text at offset ${offset + pattern.slice(offset).search(/\S/)}`;
    if (m[1] !== undefined) tokens.push({ kind: "path", text: m[1] });
    else if (m[2] !== undefined) tokens.push({ kind: "punct", text: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: "string", text: m[3].replace(/\\(.)/g, "$1") });
    else tokens.push({ kind: "word", text: m[4] ?? "" });
  }
  const values: string[] = [];
  let otherComparisons = false;
  for (let i = 0; i < tokens.length; ) {
    const token = tokens[i];
    if (token === undefined) break;
    if (token.kind === "punct" && token.text !== ",") { i++; continue; }
    if (token.kind === "word" && token.text.toUpperCase() === "OR") { i++; continue; }
    if (token.kind !== "path") {
      return `pattern uses ${quote(token.text)}; only comparisons joined by OR are supported`;
    }
    // A comparison: <object-path> <operator> <literal | (literal, ...)>
    const operator = tokens[i + 1];
    if (operator === undefined || operator.kind !== "word") return "pattern has a comparison without an operator";
    const op = operator.text.toUpperCase();
    if (op === "NOT") return 'pattern uses "NOT"; only comparisons joined by OR are supported';
    const literals: string[] = [];
    let j = i + 2;
    if (op === "IN") {
      if (tokens[j]?.text !== "(") return "pattern has IN without a list";
      j++;
      while (tokens[j]?.kind === "string") {
        literals.push(tokens[j]?.text ?? "");
        j++;
        if (tokens[j]?.text === ",") j++;
      }
      if (tokens[j]?.text !== ")") return "pattern has an unterminated IN list";
      j++;
    } else {
      const literal = tokens[j];
      if (literal === undefined || literal.kind !== "string") return "pattern compares to a non-string value";
      literals.push(literal.text);
      j++;
    }
    if (IP_PATHS.has(token.text.toLowerCase())) {
      if (op !== "=" && op !== "ISSUBSET" && op !== "IN") {
        return `pattern uses ${quote(operator.text)} on an address; only =, ISSUBSET and IN are supported`;
      }
      values.push(...literals);
    } else {
      otherComparisons = true;
    }
    i = j;
  }
  // With only ORs, an address comparison alone satisfies the indicator even next to other kinds.
  if (values.length === 0 && !otherComparisons) return "pattern has no comparisons";
  return values;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Quotes feed text for an error message: at most 64 characters, control characters escaped. */
function quote(value: unknown): string {
  const text = typeof value === "string" ? value : String(JSON.stringify(value));
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 61)}...` : text).replace(/[\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, "?");
}

class ErrorList {
  readonly #items: string[] = [];
  #dropped = 0;

  add(message: string): void {
    if (this.#items.length < MAX_ERRORS) this.#items.push(message);
    else this.#dropped++;
  }

  list(): string[] {
    return this.#dropped === 0 ? this.#items : [...this.#items, `... and ${this.#dropped} more errors`];
  }
}

// The WAF: rules chosen once at compile time, then per request a walk over every place an
// attacker controls (path, query parameters, headers, body strings and keys) that stops at the
// first match. Work per request is bounded by a character budget and a body-node budget.
import { BulwarkError } from "../errors.ts";
import { charMask, hasAll, type CharMask } from "./charmask.ts";
import { normalize } from "./decode.ts";
import { cookieValues, headerPolicy } from "./headers.ts";
import { WAF_RULES } from "./rules.ts";
import type { Waf, WafLocation, WafMatch, WafOptions, WafRequest, WafRule } from "./types.ts";

const DEFAULT_MAX_CHARS = 4 * 1024 * 1024;
const DEFAULT_MAX_NODES = 100_000;
const EXCERPT_LENGTH = 64;
const EXCERPT_LEAD = 16;
const MAX_LOCATION_LENGTH = 128;
const REDACTED = "[redacted]";

/**
 * Body members whose name says they hold a secret. They are still inspected (a login form's
 * password field is the classic SQLi target) but their excerpt is withheld: a false positive on a
 * real password must not copy it into the security log (CWE-532).
 */
const SECRET_NAME = /passw(?:or)?d|passphrase|^pass$|secret|token|api[-_]?key|credential|private[-_]?key|\b(?:pwd|pin|otp|cvv|cvc)\b/i;

/**
 * Letters, digits, "_" and "-" only: no rule can match (each needs a quote, a bracket, a
 * separator, a dot, a space or a colon), so most ids, numbers and enum values cost one test.
 */
const PLAIN = /^[\w-]*$/;

export function compileWaf(options: WafOptions = {}): Waf {
  const disabled = new Set(options.disabledRules ?? []);
  for (const id of disabled) {
    if (!WAF_RULES.some((rule) => rule.id === id)) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `waf: unknown rule id ${JSON.stringify(id)} in disabledRules`);
    }
  }
  const maxChars = positiveInteger("maxInspectedChars", options.maxInspectedChars ?? DEFAULT_MAX_CHARS);
  const maxNodes = positiveInteger("maxBodyNodes", options.maxBodyNodes ?? DEFAULT_MAX_NODES);
  const all = WAF_RULES.filter((rule) => !disabled.has(rule.id)).map(gated);
  const noSsrf = all.filter(({ rule }) => rule.class !== "ssrf");
  return {
    inspect(request) {
      return new Inspection(all, noSsrf, maxChars, maxNodes).run(request);
    },
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `waf: ${name} must be a positive integer`);
  }
  return value;
}

/** A rule with the character masks of its needed literals, computed once. */
interface GatedRule {
  rule: WafRule;
  masks: readonly CharMask[];
}

function gated(rule: WafRule): GatedRule {
  return { rule, masks: rule.needs.map(charMask) };
}

/** A place in a body, kept as a parent chain so a path string is only built for a match. */
interface BodyPath {
  parent: BodyPath | undefined;
  key: string | number;
}

/** A header, named in the location only when it matched. */
interface HeaderName {
  header: string;
}

type Where = "path" | "query" | HeaderName | BodyPath | undefined;

class Inspection {
  #chars = 0;
  #nodes = 0;
  readonly #all: readonly GatedRule[];
  readonly #noSsrf: readonly GatedRule[];
  readonly #maxChars: number;
  readonly #maxNodes: number;

  constructor(all: readonly GatedRule[], noSsrf: readonly GatedRule[], maxChars: number, maxNodes: number) {
    this.#all = all;
    this.#noSsrf = noSsrf;
    this.#maxChars = maxChars;
    this.#maxNodes = maxNodes;
  }

  run(request: WafRequest): WafMatch | null {
    return this.#check(request.path, false, this.#all, "path") ?? this.#query(request.query) ?? this.#headers(request.headers) ?? this.#body(request.body);
  }

  #query(query: string): WafMatch | null {
    if (query === "") return null;
    for (const part of query.split("&")) {
      const eq = part.indexOf("=");
      const match =
        this.#check(eq < 0 ? part : part.slice(0, eq), true, this.#all, "query") ??
        (eq < 0 ? null : this.#check(part.slice(eq + 1), true, this.#all, "query"));
      if (match) return match;
    }
    return null;
  }

  #headers(headers: WafRequest["headers"]): WafMatch | null {
    for (const [rawName, value] of Object.entries(headers)) {
      if (value === undefined) continue;
      const name = rawName.toLowerCase();
      const policy = headerPolicy(name);
      if (policy === "skip") continue;
      const rules = policy === "no-ssrf" ? this.#noSsrf : this.#all;
      const location: HeaderName = { header: name };
      for (const one of Array.isArray(value) ? value : [value]) {
        for (const item of policy === "cookie" ? cookieValues(one) : [one]) {
          const match = this.#check(item, false, rules, location);
          if (match) return match;
        }
      }
    }
    return null;
  }

  /** Depth-first with an explicit stack: a deeply nested body cannot overflow ours (CWE-674). */
  #body(body: unknown): WafMatch | null {
    if (typeof body === "string") return this.#check(body, false, this.#all, undefined);
    const stack: Array<{ value: object; path: BodyPath | undefined }> = [];
    const visit = (value: unknown, path: BodyPath | undefined): WafMatch | null => {
      if (typeof value === "string") {
        const secret = typeof path?.key === "string" && SECRET_NAME.test(path.key);
        return this.#check(value, false, this.#all, path, secret);
      }
      if (Array.isArray(value) || isPlainObject(value)) stack.push({ value, path });
      // Numbers, booleans, null and binary payloads carry no text to inspect.
      return null;
    };
    const first = visit(body, undefined);
    if (first) return first;
    for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
      const { value, path } = item;
      if (Array.isArray(value)) {
        this.#countNodes(value.length);
        for (let i = 0; i < value.length; i++) {
          const match = visit(value[i], { parent: path, key: i });
          if (match) return match;
        }
        continue;
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      this.#countNodes(2 * keys.length);
      for (const key of keys) {
        const member = { parent: path, key };
        // Keys are attacker text too ({"' or 1=1--": 1}); a key's match reports its member's path.
        const match = this.#check(key, false, this.#all, member) ?? visit(record[key], member);
        if (match) return match;
      }
    }
    return null;
  }

  #countNodes(count: number): void {
    this.#nodes += count;
    if (this.#nodes > this.#maxNodes) tooLarge();
  }

  #spend(chars: number): void {
    this.#chars += chars;
    if (this.#chars > this.#maxChars) tooLarge();
  }

  #check(
    raw: string,
    form: boolean,
    rules: readonly GatedRule[],
    where: Where,
    secret = false,
  ): WafMatch | null {
    if (raw === "") return null;
    this.#spend(raw.length);
    if (PLAIN.test(raw)) return null;
    const views = normalize(raw, form);
    // NFKC can grow a string (one ligature becomes 18 characters); that growth is paid for too.
    this.#spend(views.text.length);
    for (const { rule, masks } of rules) {
      if (!anyHasAll(views.mask(rule.view), masks)) continue;
      const view = views.view(rule.view);
      if (!containsAny(view, rule.needs)) continue;
      const found = rule.find(view);
      if (found) {
        const shown = secret ? REDACTED : excerpt(view, found.index);
        return { ruleId: rule.id, class: rule.class, location: locationOf(where), excerpt: shown };
      }
    }
    return null;
  }
}

function anyHasAll(mask: CharMask, required: readonly CharMask[]): boolean {
  for (const one of required) if (hasAll(mask, one)) return true;
  return false;
}

function containsAny(text: string, literals: readonly string[]): boolean {
  for (const literal of literals) if (text.includes(literal)) return true;
  return false;
}

function tooLarge(): never {
  throw new BulwarkError("BWK_PAYLOAD_TOO_LARGE", "request is larger than the WAF inspects");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function locationOf(where: Where): WafLocation {
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
function excerpt(view: string, index: number): string {
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

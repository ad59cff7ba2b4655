// The WAF: rules chosen once at compile time, then per request a walk over every place an
// attacker controls (path, query parameters, headers, body strings and keys) that stops at the
// first match. Work per request is bounded by a character budget and a body-node budget.
import { BulwarkError } from "../errors.ts";
import { normalize } from "./decode.ts";
import { cookieValues, headerPolicy } from "./headers.ts";
import { excerpt, locationOf, type BodyPath, type Where } from "./report.ts";
import { WAF_RULES } from "./rules.ts";
import { RuleSet } from "./ruleset.ts";
import type { Waf, WafClass, WafMatch, WafOptions, WafRequest } from "./types.ts";

const DEFAULT_MAX_CHARS = 2 * 1024 * 1024;
const DEFAULT_MAX_NODES = 100_000;
const REDACTED = "[redacted]";

/**
 * Body members whose name says they hold a secret. They are still inspected (a login form's
 * password field is the classic SQLi target) but their excerpt is withheld: a false positive on a
 * real password must not copy it into the security log (CWE-532).
 */
const SECRET_NAME = /passw(?:or)?d|passphrase|^pass$|secret|token|api[-_]?key|credential|private[-_]?key|\b(?:pwd|pin|otp|cvv|cvc)\b/i;

/**
 * Letters, digits, "_" and "-" only: such a value cannot inject anything in any class here (that
 * takes a quote, bracket, separator, dot, space or colon), so most ids, numbers and enum values
 * cost one test. A bare name such as information_schema is skipped with them: alone it does nothing.
 */
const PLAIN = /^[\w-]*$/;

export function compileWaf(options: WafOptions = {}): Waf {
  const disabled = new Set(options.disabledRules ?? []);
  for (const id of disabled) {
    if (!WAF_RULES.some((rule) => rule.id === id)) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `waf: unknown rule id ${JSON.stringify(id)} in disabledRules`);
    }
  }
  const limits = {
    maxChars: positiveInteger("maxInspectedChars", options.maxInspectedChars ?? DEFAULT_MAX_CHARS),
    maxNodes: positiveInteger("maxBodyNodes", options.maxBodyNodes ?? DEFAULT_MAX_NODES),
  };
  const enabled = WAF_RULES.filter((rule) => !disabled.has(rule.id));
  const without = (cls: WafClass) => new RuleSet(enabled.filter((rule) => rule.class !== cls));
  // A line break is response splitting only where the text can reach a response head or a log
  // line (path, query, headers); bodies are full of multi-line prose (rules-crlf.ts).
  const rules: RuleSets = { all: new RuleSet(enabled), noSsrf: without("ssrf"), body: without("crlf") };
  return {
    inspect(request) {
      return new Inspection(rules, limits).run(request);
    },
  };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `waf: ${name} must be a positive integer`);
  }
  return value;
}

/** The rules per place: everything, without SSRF (referer, origin), without CRLF (bodies). */
interface RuleSets {
  all: RuleSet;
  noSsrf: RuleSet;
  body: RuleSet;
}

/** One request's walk, with its budgets. */
class Inspection {
  #chars = 0;
  #nodes = 0;
  readonly #rules: RuleSets;
  readonly #limits: { maxChars: number; maxNodes: number };

  constructor(rules: RuleSets, limits: { maxChars: number; maxNodes: number }) {
    this.#rules = rules;
    this.#limits = limits;
  }

  run(request: WafRequest): WafMatch | null {
    return (
      this.#check(request.path, false, this.#rules.all, "path") ??
      this.#query(request.query) ??
      this.#headers(request.headers) ??
      this.#body(request.body)
    );
  }

  #query(query: string): WafMatch | null {
    if (query === "") return null;
    for (const part of query.split("&")) {
      const eq = part.indexOf("=");
      const match =
        this.#check(eq < 0 ? part : part.slice(0, eq), true, this.#rules.all, "query") ??
        (eq < 0 ? null : this.#check(part.slice(eq + 1), true, this.#rules.all, "query"));
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
      const rules = policy === "no-ssrf" ? this.#rules.noSsrf : this.#rules.all;
      for (const one of Array.isArray(value) ? value : [value]) {
        for (const item of policy === "cookie" ? cookieValues(one) : [one]) {
          if (rules.knownClean(item)) {
            this.#spend(item.length);
            continue;
          }
          const match = this.#check(item, false, rules, { header: name });
          if (match) return match;
          rules.rememberClean(item);
        }
      }
    }
    return null;
  }

  /** Depth-first with an explicit stack: a deeply nested body cannot overflow ours (CWE-674). */
  #body(body: unknown): WafMatch | null {
    if (typeof body === "string") return this.#check(body, false, this.#rules.body, undefined);
    const stack: Array<{ value: object; path: BodyPath | undefined }> = [];
    const visit = (value: unknown, path: BodyPath | undefined): WafMatch | null => {
      if (typeof value === "string") {
        const secret = typeof path?.key === "string" && SECRET_NAME.test(path.key);
        return this.#check(value, false, this.#rules.body, path, secret);
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
        const match = this.#check(key, false, this.#rules.body, member) ?? visit(record[key], member);
        if (match) return match;
      }
    }
    return null;
  }

  #countNodes(count: number): void {
    this.#nodes += count;
    if (this.#nodes > this.#limits.maxNodes) tooLarge();
  }

  #spend(chars: number): void {
    this.#chars += chars;
    if (this.#chars > this.#limits.maxChars) tooLarge();
  }

  #check(raw: string, form: boolean, rules: RuleSet, where: Where, secret = false): WafMatch | null {
    if (raw === "") return null;
    this.#spend(raw.length);
    if (PLAIN.test(raw)) return null;
    const views = normalize(raw, form);
    // NFKC can grow a string (one ligature becomes 18 characters); that growth is paid for too.
    this.#spend(views.text.length);
    const hit = rules.match(views);
    if (hit === null) return null;
    return {
      ruleId: hit.rule.id,
      class: hit.rule.class,
      location: locationOf(where),
      excerpt: secret ? REDACTED : excerpt(hit.view, hit.index),
    };
  }
}

function tooLarge(): never {
  throw new BulwarkError("BWK_PAYLOAD_TOO_LARGE", "request is larger than the WAF inspects");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

// A compiled set of rules: each with the character masks of its needed literals, tried in order
// against a value's normalized views. Also remembers recently seen clean header values.
import { charMask, hasAll, type CharMask } from "./charmask.ts";
import type { Views } from "./decode.ts";
import type { WafRule } from "./types.ts";

export interface RuleHit {
  rule: WafRule;
  /** The view the rule matched in, and where. */
  view: string;
  index: number;
}

/**
 * Browsers send the same user-agent, accept, sec-ch-ua and cookie values on every request, so a
 * header value found clean is remembered and not normalized again. Verdicts are exact-string and
 * per rule set; only short values are kept, and the memory is dropped whole when full.
 */
const CLEAN_CACHE_ENTRIES = 1024;
const CLEAN_CACHE_VALUE_LENGTH = 512;

interface GatedRule {
  rule: WafRule;
  masks: readonly CharMask[];
}

export class RuleSet {
  readonly #rules: readonly GatedRule[];
  readonly #clean = new Set<string>();

  constructor(rules: readonly WafRule[]) {
    this.#rules = rules.map((rule) => ({ rule, masks: rule.needs.map(charMask) }));
  }

  /** The first rule that matches, skipping those whose needed characters the value lacks. */
  match(views: Views): RuleHit | null {
    for (const { rule, masks } of this.#rules) {
      if (!anyContained(views.mask, masks)) continue;
      const view = views.view(rule.view);
      const found = rule.find(view);
      if (found) return { rule, view, index: found.index };
    }
    return null;
  }

  knownClean(value: string): boolean {
    return this.#clean.has(value);
  }

  rememberClean(value: string): void {
    if (value.length > CLEAN_CACHE_VALUE_LENGTH) return;
    if (this.#clean.size >= CLEAN_CACHE_ENTRIES) this.#clean.clear();
    this.#clean.add(value);
  }
}

function anyContained(mask: CharMask, required: readonly CharMask[]): boolean {
  for (const one of required) if (hasAll(mask, one)) return true;
  return false;
}

// Building a rule from a regular expression. Every pattern is written against normalized,
// lower-case text (decode.ts) and must stay linear: no nested quantifiers, every scanning window
// bounded ({0,64}), because the WAF reads attacker-chosen strings (CWE-1333).
import type { WafRule, WafRuleInfo, WafView } from "./types.ts";

export function regexRule(info: WafRuleInfo, view: WafView, needs: readonly string[], pattern: RegExp): WafRule {
  if (pattern.global || pattern.sticky) throw new Error(`rule ${info.id}: pattern must not keep state`);
  return {
    ...info,
    view,
    needs,
    find(text) {
      const m = pattern.exec(text);
      return m === null ? null : { index: m.index, length: m[0].length };
    },
  };
}

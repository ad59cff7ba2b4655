// Every WAF rule, in the order they are tried. Order decides the class reported when one input
// trips several rules: specific classes first, and the bare-NUL rule (traversal-003) last.
import { CMDI_RULES } from "./rules-cmdi.ts";
import { SQLI_RULES } from "./rules-sqli.ts";
import { SSRF_RULES } from "./rules-ssrf.ts";
import { TRAVERSAL_RULES } from "./rules-traversal.ts";
import { XSS_RULES } from "./rules-xss.ts";
import type { WafRule, WafRuleInfo } from "./types.ts";

export const WAF_RULES: readonly WafRule[] = [...SQLI_RULES, ...XSS_RULES, ...CMDI_RULES, ...SSRF_RULES, ...TRAVERSAL_RULES];

/** Ids, classes, descriptions and CWEs of every rule, for configuration checks and the console. */
export function listWafRules(): WafRuleInfo[] {
  return WAF_RULES.map(({ id, class: cls, description, cwe }) => ({ id, class: cls, description, cwe }));
}

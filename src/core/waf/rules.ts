// Every WAF rule, in the order they are tried. Order decides the class reported when one input
// trips several rules: specific classes first, and the bare-NUL rule (traversal-003) last. A line
// break that starts a header is response splitting whatever the header carries; a NoSQL $where or
// a template expression is reported as that, not as the sleep() or alert() inside it.
import { CMDI_RULES } from "./rules-cmdi.ts";
import { CRLF_RULES } from "./rules-crlf.ts";
import { NOSQLI_RULES } from "./rules-nosqli.ts";
import { SQLI_RULES } from "./rules-sqli.ts";
import { SSRF_RULES } from "./rules-ssrf.ts";
import { SSTI_RULES } from "./rules-ssti.ts";
import { TRAVERSAL_RULES } from "./rules-traversal.ts";
import { XSS_RULES } from "./rules-xss.ts";
import type { WafRule, WafRuleInfo } from "./types.ts";

export const WAF_RULES: readonly WafRule[] = [
  ...CRLF_RULES,
  ...NOSQLI_RULES,
  ...SSTI_RULES,
  ...SQLI_RULES,
  ...XSS_RULES,
  ...CMDI_RULES,
  ...SSRF_RULES,
  ...TRAVERSAL_RULES,
];

/** Ids, classes, descriptions and CWEs of every rule, for configuration checks and the console. */
export function listWafRules(): WafRuleInfo[] {
  return WAF_RULES.map(({ id, class: cls, description, cwe }) => ({ id, class: cls, description, cwe }));
}

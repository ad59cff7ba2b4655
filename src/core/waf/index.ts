// The WAF's public surface: compile once with compileWaf, then waf.inspect(request) per request.
export { compileWaf } from "./engine.ts";
export { listWafRules } from "./rules.ts";
export type { Waf, WafClass, WafLocation, WafMatch, WafOptions, WafRequest, WafRuleInfo } from "./types.ts";

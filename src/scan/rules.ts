// Every rule the scanner can report, for outputs that describe rules (SARIF's tool.driver.rules).
// Dependency rules are one per advisory and described from their finding.
import { CONFIG_RULES } from "./config/rules.ts";
import { SECRET_FIX, SECRET_RULES } from "./secrets/patterns.ts";
import { TAINT_RULES } from "./taint/rules.ts";
import type { Finding, Severity } from "./types.ts";

export interface RuleInfo {
  id: string;
  title: string;
  severity: Severity;
  cwe: string;
  fix: string;
  kind: "taint" | "secret" | "dependency" | "config";
}

const CATALOG = new Map<string, RuleInfo>([
  ...Object.entries(TAINT_RULES).map(([id, r]) => [id, { id, ...r, kind: "taint" }] as const),
  ...Object.entries(SECRET_RULES).map(([id, r]) => [id, { id, ...r, fix: SECRET_FIX, kind: "secret" }] as const),
  ...Object.entries(CONFIG_RULES).map(([id, r]) => [id, { id, ...r, kind: "config" }] as const),
]);

export function ruleInfo(finding: Finding): RuleInfo {
  const known = CATALOG.get(finding.ruleId);
  if (known) return known;
  const dep = finding.dependency;
  return {
    id: finding.ruleId,
    title: dep ? `Vulnerable dependency: ${dep.advisory}${dep.aliases.length > 0 ? ` (${dep.aliases.join(", ")})` : ""}` : finding.ruleId,
    severity: finding.severity,
    cwe: finding.cwe,
    fix: finding.fix,
    kind: dep ? "dependency" : "config",
  };
}

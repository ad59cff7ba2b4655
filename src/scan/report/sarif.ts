// SARIF 2.1.0 (OASIS), in the shape GitHub code scanning ingests: rules carry CWE tags and a
// security-severity, results a relative artifact URI under %SRCROOT%, taint paths as codeFlows,
// suppressed findings as results with an external, accepted suppression and its justification.
import { createHash } from "node:crypto";
import { ruleInfo, type RuleInfo } from "../rules.ts";
import { compareFindings, type Finding, type PathStep, type ScanReport, type Severity } from "../types.ts";

export const TOOL_NAME = "bulwark-scan";
export const TOOL_VERSION = "0.1.0";

const LEVEL: Record<Severity, "error" | "warning" | "note"> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
};

/** GitHub ranks security alerts by this 0–10 score. */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "2.0" };

/** A relative path as a URI reference (RFC 3986): each segment percent-encoded. */
function uri(file: string): string {
  return file.split("/").map(encodeURIComponent).join("/");
}

function physicalLocation(file: string, line: number, column: number) {
  return {
    artifactLocation: { uri: uri(file), uriBaseId: "%SRCROOT%" },
    region: { startLine: Math.max(1, line), startColumn: Math.max(1, column) },
  };
}

function describe(rule: RuleInfo) {
  const cweNumber = rule.cwe.replace(/^CWE-/, "");
  return {
    id: rule.id,
    name: rule.id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : "")),
    shortDescription: { text: rule.title },
    fullDescription: { text: `${rule.title} (${rule.cwe}).` },
    help: { text: rule.fix },
    helpUri: `https://cwe.mitre.org/data/definitions/${cweNumber}.html`,
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: {
      tags: ["security", rule.cwe, `external/cwe/cwe-${cweNumber}`, rule.kind],
      precision: rule.kind === "secret" || rule.kind === "dependency" || rule.kind === "config" ? "very-high" : "high",
      "security-severity": SECURITY_SEVERITY[rule.severity],
    },
  };
}

function codeFlow(path: readonly PathStep[]) {
  return {
    threadFlows: [
      {
        locations: path.map((s) => ({
          location: { physicalLocation: physicalLocation(s.file, s.line, s.column), message: { text: s.note } },
        })),
      },
    ],
  };
}

/** Stable across runs and line shifts elsewhere in the file: rule, file and message. */
function fingerprint(f: Finding): string {
  return createHash("sha256").update(`${f.ruleId}\0${f.file}\0${f.message}`).digest("hex").slice(0, 32);
}

export function toSarif(report: ScanReport): object {
  const entries = [
    ...report.findings.map((finding) => ({ finding, justification: undefined as string | undefined })),
    ...report.suppressed.map((s) => ({ finding: s.finding, justification: s.justification as string | undefined })),
  ].sort((a, b) => compareFindings(a.finding, b.finding));
  const rules: RuleInfo[] = [];
  const index = new Map<string, number>();
  for (const { finding } of entries) {
    if (index.has(finding.ruleId)) continue;
    index.set(finding.ruleId, rules.length);
    rules.push(ruleInfo(finding));
  }
  const results = entries.map(({ finding: f, justification }) => ({
    ruleId: f.ruleId,
    ruleIndex: index.get(f.ruleId)!,
    level: LEVEL[f.severity],
    message: { text: f.field ? `${f.message} (${f.field})` : f.message },
    locations: [{ physicalLocation: physicalLocation(f.file, f.line, f.column) }],
    partialFingerprints: { "bulwarkFindingHash/v1": fingerprint(f) },
    ...(f.path.length > 1 ? { codeFlows: [codeFlow(f.path)] } : {}),
    ...(justification !== undefined ? { suppressions: [{ kind: "external", status: "accepted", justification }] } : {}),
    properties: { severity: f.severity, cwe: f.cwe, fix: f.fix },
  }));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: { driver: { name: TOOL_NAME, semanticVersion: TOOL_VERSION, version: TOOL_VERSION, rules: rules.map(describe) } },
        // TypeScript reports positions in UTF-16 code units.
        columnKind: "utf16CodeUnits",
        results,
      },
    ],
  };
}

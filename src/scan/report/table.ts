// The default, human-readable report: one block per finding, most severe first, then a summary.
import { compareFindings, type Finding, type ScanReport, SEVERITIES } from "../types.ts";
import { printable } from "./text.ts";

function location(f: Finding): string {
  return `${f.file}:${f.line}:${f.column}`;
}

export function formatTable(report: ScanReport): string {
  const findings = [...report.findings].sort(compareFindings);
  const out: string[] = [];
  if (findings.length > 0) {
    const ruleWidth = Math.min(40, Math.max(4, ...findings.map((f) => f.ruleId.length)));
    out.push(`${"SEVERITY".padEnd(9)} ${"RULE".padEnd(ruleWidth)} LOCATION`);
    for (const f of findings) {
      out.push(`${f.severity.padEnd(9)} ${printable(f.ruleId).padEnd(ruleWidth)} ${printable(location(f))}`);
      out.push(`${" ".repeat(10)}${printable(f.message)}`);
      if (f.field) out.push(`${" ".repeat(10)}field: ${printable(f.field)}`);
      if (f.path.length > 1)
        out.push(`${" ".repeat(10)}path: ${f.path.map((s) => printable(`${s.file}:${s.line} ${s.note}`)).join(" → ")}`);
      out.push(`${" ".repeat(10)}fix: ${printable(f.fix)}`);
    }
    out.push("");
  }
  const counts = SEVERITIES.map((s) => [s, findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const total = `${findings.length} finding${findings.length === 1 ? "" : "s"}${counts.length > 0 ? ` (${counts.join(", ")})` : ""}`;
  const suppressed = report.suppressed.length > 0 ? `, ${report.suppressed.length} suppressed` : "";
  const verdict = report.blocked ? `blocked: findings at or above ${report.failOn}` : `passed (fail-on ${report.failOn})`;
  out.push(`${total}${suppressed} — ${verdict}`);
  for (const s of report.suppressed)
    out.push(`  suppressed ${printable(s.finding.ruleId)} at ${printable(location(s.finding))}: ${printable(s.justification)}`);
  out.push(`scanned ${report.stats.files} files, ${report.stats.lines} lines in ${report.stats.ms} ms`);
  return `${out.join("\n")}\n`;
}

export function toJson(report: ScanReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

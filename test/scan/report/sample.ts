// A report with one finding of each kind, a suppressed one, and hostile text in file names.
import type { Finding, ScanReport } from "../../../src/scan/types.ts";

export const TAINT: Finding = {
  ruleId: "taint/sql-injection",
  severity: "critical",
  cwe: "CWE-89",
  message: "SQL built from request data: event.body (src/h.ts:3) reaches .query()",
  file: "src/my handler.ts",
  line: 8,
  column: 26,
  path: [
    { file: "src/my handler.ts", line: 3, column: 27, note: "source: event.body" },
    { file: "src/my handler.ts", line: 8, column: 26, note: ".query()" },
  ],
  fix: "Use a parameterized query.",
};

export const SECRET: Finding = {
  ruleId: "secret/github-token",
  severity: "high",
  cwe: "CWE-798",
  message: "GitHub token hardcoded (ghp_…)",
  file: "src/gh.ts",
  line: 1,
  column: 30,
  path: [],
  fix: "Rotate it.",
};

export const DEPENDENCY: Finding = {
  ruleId: "dependency/GHSA-35jh-r3h4-6jhm",
  severity: "high",
  cwe: "CWE-77",
  message: "lodash 4.17.15 is affected by GHSA-35jh-r3h4-6jhm (CVE-2021-23337); fixed in 4.17.21",
  file: "package-lock.json",
  line: 12,
  column: 1,
  path: [],
  fix: "Upgrade lodash to 4.17.21 or later.",
  dependency: {
    package: "lodash",
    installed: "4.17.15",
    fixed: "4.17.21",
    advisory: "GHSA-35jh-r3h4-6jhm",
    aliases: ["CVE-2021-23337"],
    lockPath: "node_modules/lodash",
  },
};

export const CONFIG: Finding = {
  ruleId: "manifest/auth-none",
  severity: "medium",
  cwe: "CWE-306",
  message: "Route GET /health is reachable without authentication",
  file: "bulwark.yaml",
  line: 7,
  column: 9,
  path: [],
  fix: "Set auth.",
  field: "functions.health.triggers[0].http.auth",
};

export const HOSTILE: Finding = {
  ...SECRET,
  file: "src/\u001b[2J\u202eevil.ts",
  message: "GitHub token hardcoded (ghp_…)\r\u001b[31m",
};

export function sampleReport(): ScanReport {
  return {
    findings: [CONFIG, SECRET, TAINT, DEPENDENCY],
    suppressed: [{ finding: { ...SECRET, file: "test/fixtures/gh.ts", severity: "low" }, justification: "fake token in a fixture" }],
    blocked: true,
    failOn: "high",
    stats: { files: 12, lines: 340, ms: 45 },
    project: { kinds: ["bulwark"], handlers: ["src/my handler.ts#handler"] },
  };
}

// The server's check of the scan report a deploy carries: real reports from scanProject, then
// the lies a modified client could tell (blocked but sent anyway, a looser threshold than the
// manifest's, a passed high finding, suppressions bulwark.yaml does not declare).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { admitScanReport } from "../../../src/control/artifacts/admit.ts";
import { isBulwarkError } from "../../../src/core/errors.ts";
import { parseManifest } from "../../../src/core/manifest/parse.ts";
import { scanProject, type ScanReport } from "../../../src/scan/index.ts";
import { writeProject } from "../../scan/write-project.ts";

const REASON = "the command is a fixed admin tool name, the body is checked by a schema upstream";
const VULNERABLE = "export async function handler(event) { return eval(event.body); }\n";

function manifestText(extra = ""): string {
  return `app: shop\nfunctions:\n  run:\n    handler: run.js\n    triggers:\n      - http: { method: POST, path: /run, auth: apiKey }\n${extra}`;
}

const SUPPRESSION = `suppressions:\n  - rule: taint/code-injection\n    path: run.js\n    justification: "${REASON}"\n`;

async function scanned(manifest: string): Promise<{ report: ScanReport; parsed: ReturnType<typeof parseManifest>["manifest"] }> {
  const dir = writeProject({ "bulwark.yaml": manifest, "run.js": VULNERABLE });
  const parsed = parseManifest(manifest, "bulwark.yaml").manifest;
  return { report: await scanProject(dir, { ...(parsed.suppressions && { suppressions: parsed.suppressions }) }), parsed };
}

function refused(run: () => unknown, code: string): void {
  assert.throws(run, (e) => isBulwarkError(e) && e.code === code);
}

describe("admitScanReport", () => {
  it("admits a passing report with its suppressed findings, each with the manifest's justification", async () => {
    const { report, parsed } = await scanned(manifestText(SUPPRESSION));
    const admitted = admitScanReport(parsed, JSON.parse(JSON.stringify(report)));
    assert.equal(admitted.failOn, "high");
    assert.deepEqual(
      admitted.suppressed.map((s) => [s.rule, s.file, s.justification]),
      [["taint/code-injection", "run.js", REASON]],
    );
    assert.equal(JSON.parse(admitted.json).blocked, false);
  });

  it("refuses a report that says blocked", async () => {
    const { report, parsed } = await scanned(manifestText());
    assert.equal(report.blocked, true);
    refused(() => admitScanReport(parsed, report), "BWK_SCAN_BLOCKED");
  });

  it("refuses a report that passes a high finding (blocked flipped by the client)", async () => {
    const { report, parsed } = await scanned(manifestText());
    refused(() => admitScanReport(parsed, { ...report, blocked: false }), "BWK_SCAN_BLOCKED");
  });

  it("refuses a threshold looser than the manifest's scan.failOn, accepts a stricter one", () => {
    const parsed = parseManifest(manifestText("scan: { failOn: medium }\n"), "bulwark.yaml").manifest;
    const clean = { findings: [], suppressed: [], blocked: false };
    refused(() => admitScanReport(parsed, { ...clean, failOn: "high" }), "BWK_SCAN_BLOCKED");
    assert.equal(admitScanReport(parsed, { ...clean, failOn: "low" }).failOn, "low");
  });

  it("refuses a suppression bulwark.yaml does not declare, or declares with another justification", async () => {
    const { report, parsed } = await scanned(manifestText(SUPPRESSION));
    const bare = parseManifest(manifestText(), "bulwark.yaml").manifest;
    refused(() => admitScanReport(bare, report), "BWK_BAD_REQUEST");
    const forged = { ...report, suppressed: report.suppressed.map((s) => ({ ...s, justification: "approved by nobody at all, trust me" })) };
    refused(() => admitScanReport(parsed, forged), "BWK_BAD_REQUEST");
    const moved = { ...report, suppressed: report.suppressed.map((s) => ({ ...s, finding: { ...s.finding, file: "other.js" } })) };
    refused(() => admitScanReport(parsed, moved), "BWK_BAD_REQUEST");
  });

  it("refuses a deploy without a report, and reports of the wrong shape", () => {
    const parsed = parseManifest(manifestText(), "bulwark.yaml").manifest;
    const clean = { failOn: "high", findings: [], suppressed: [], blocked: false };
    for (const bad of [
      undefined,
      null,
      [],
      "passed",
      { ...clean, failOn: "none" },
      { ...clean, blocked: "no" },
      { ...clean, findings: {} },
      { ...clean, findings: [{ ruleId: "x", severity: "low", file: "a", line: 1, column: 1 }] },
      { ...clean, findings: [{ ruleId: "a/b", severity: "info", file: "a", line: 1, column: 1 }] },
      { ...clean, findings: [{ ruleId: "a/b", severity: "low", file: "a", line: -1, column: 1 }] },
      { ...clean, findings: new Array(10_001).fill({ ruleId: "a/b", severity: "low", file: "a", line: 1, column: 1 }) },
      { ...clean, suppressed: [{ finding: null, justification: REASON }] },
    ]) {
      refused(() => admitScanReport(parsed, bad), "BWK_BAD_REQUEST");
    }
  });
});

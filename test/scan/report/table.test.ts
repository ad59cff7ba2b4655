// The human-readable report and the JSON report.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { formatTable, toJson } from "../../../src/scan/report/table.ts";
import { HOSTILE, sampleReport } from "./sample.ts";

describe("formatTable", () => {
  const text = formatTable(sampleReport());

  it("lists the most severe finding first, with location, message, path and fix", () => {
    const lines = text.split("\n");
    assert.match(lines[0]!, /^SEVERITY\s+RULE\s+LOCATION$/);
    assert.match(lines[1]!, /^critical\s+taint\/sql-injection\s+src\/my handler\.ts:8:26$/);
    assert.ok(text.includes("path: src/my handler.ts:3 source: event.body → src/my handler.ts:8 .query()"));
    assert.ok(text.includes("fix: Use a parameterized query."));
    assert.ok(text.includes("field: functions.health.triggers[0].http.auth"));
  });

  it("summarizes counts, suppressions with their justification, the verdict and the stats", () => {
    assert.ok(text.includes("4 findings (1 critical, 2 high, 1 medium), 1 suppressed — blocked: findings at or above high"));
    assert.ok(text.includes("suppressed secret/github-token at test/fixtures/gh.ts:1:30: fake token in a fixture"));
    assert.ok(text.includes("scanned 12 files, 340 lines in 45 ms"));
  });

  it("says passed when nothing blocks", () => {
    const clean = formatTable({ ...sampleReport(), findings: [], suppressed: [], blocked: false });
    assert.ok(clean.startsWith("0 findings — passed (fail-on high)"));
  });

  it("escapes terminal control sequences and bidi overrides from scanned text (CVE-2021-42574)", () => {
    const out = formatTable({ ...sampleReport(), findings: [HOSTILE], suppressed: [] });
    assert.equal(/[\u001b\u202e\r]/.test(out), false);
    assert.ok(out.includes("src/\uFFFD[2J\uFFFDevil.ts"));
  });
});

describe("toJson", () => {
  it("round-trips the report", () => {
    const report = sampleReport();
    assert.deepEqual(JSON.parse(toJson(report)), report);
  });
});

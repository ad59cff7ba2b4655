// SARIF output validated with ajv (strict mode) against a hand-written subset of the SARIF 2.1.0
// schema (test/scan/fixtures/sarif): the official schema cannot be downloaded here, so the subset
// holds exactly the objects Bulwark emits, with the official types, enums and closed objects.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { Ajv } from "ajv";
import { toSarif } from "../../../src/scan/report/sarif.ts";
import { sampleReport } from "./sample.ts";

const schema = JSON.parse(
  readFileSync(fileURLToPath(new URL("../fixtures/sarif/sarif-2.1.0-subset.schema.json", import.meta.url)), "utf8"),
);

function validator() {
  const ajv = new Ajv({ strict: true, allErrors: true });
  ajv.addFormat("uri", (s: string) => URL.canParse(s));
  ajv.addFormat("uri-reference", (s: string) => URL.canParse(s, "file:///root/") && !/[\s%](?![0-9A-Fa-f]{2})/.test(s));
  return ajv.compile(schema);
}

interface SarifLike {
  runs: Array<{
    tool: { driver: { rules: Array<{ id: string; properties: { tags: string[] }; defaultConfiguration: { level: string } }> } };
    results: Array<{
      ruleId: string;
      ruleIndex: number;
      level: string;
      locations: Array<{ physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number; startColumn: number } } }>;
      codeFlows?: unknown[];
      suppressions?: Array<{ kind: string; justification: string }>;
    }>;
  }>;
}

describe("toSarif", () => {
  const sarif = toSarif(sampleReport()) as SarifLike;
  const run = sarif.runs[0]!;

  it("validates against the SARIF 2.1.0 schema subset", () => {
    const validate = validator();
    assert.equal(validate(sarif), true, JSON.stringify(validate.errors, null, 2));
  });

  it("the schema subset rejects what SARIF forbids", () => {
    const validate = validator();
    const broken = structuredClone(sarif) as SarifLike & { runs: Array<{ results: Array<Record<string, unknown>> }> };
    broken.runs[0]!.results[0]!.level = "fatal";
    assert.equal(validate(broken), false);
    const extra = structuredClone(sarif) as { runs: Array<Record<string, unknown>> };
    extra.runs[0]!.unknownProperty = 1;
    assert.equal(validate(extra), false);
  });

  it("describes each rule once, with its CWE tag and level", () => {
    const ids = run.tool.driver.rules.map((r) => r.id);
    assert.equal(new Set(ids).size, ids.length);
    const sql = run.tool.driver.rules.find((r) => r.id === "taint/sql-injection")!;
    assert.ok(sql.properties.tags.includes("external/cwe/cwe-89"));
    assert.equal(sql.defaultConfiguration.level, "error");
    for (const r of run.results) assert.equal(run.tool.driver.rules[r.ruleIndex]!.id, r.ruleId);
  });

  it("uses relative, percent-encoded URIs and 1-based regions", () => {
    const taint = run.results.find((r) => r.ruleId === "taint/sql-injection")!;
    const loc = taint.locations[0]!.physicalLocation;
    assert.equal(loc.artifactLocation.uri, "src/my%20handler.ts");
    assert.deepEqual(loc.region, { startLine: 8, startColumn: 26 });
    assert.equal(taint.codeFlows?.length, 1);
  });

  it("keeps suppressed findings as results with their justification", () => {
    const suppressed = run.results.filter((r) => r.suppressions);
    assert.equal(suppressed.length, 1);
    assert.deepEqual(suppressed[0]!.suppressions, [{ kind: "external", status: "accepted", justification: "fake token in a fixture" }]);
    assert.equal(suppressed[0]!.level, "note");
  });
});

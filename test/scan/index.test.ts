// scanProject end to end over the project fixtures: a Bulwark app, an AWS SAM app and a
// Serverless Framework app; the gate, suppressions, validated bodies and option checking.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { scanProject } from "../../src/scan/index.ts";
import { writeProject } from "./write-project.ts";

const fixture = (name: string) => fileURLToPath(new URL(`fixtures/projects/${name}/`, import.meta.url));
const advisoriesDir = fileURLToPath(new URL("fixtures/osv/", import.meta.url));
const summary = (fs: Array<{ ruleId: string; file: string; severity: string }>) => fs.map((f) => `${f.severity} ${f.ruleId} ${f.file}`);

describe("scanProject: Bulwark app", () => {
  it("reports taint, secrets, dependencies, manifest lint and unanalyzed handlers, and blocks", async () => {
    const report = await scanProject(fixture("bulwark-app"), { advisoriesDir });
    assert.deepEqual(report.project.kinds, ["bulwark"]);
    assert.deepEqual(report.project.handlers, ["src/search.ts#handler", "src/order.ts#handler", "src/status.ts#handler"]);
    assert.deepEqual(summary(report.findings), [
      "critical taint/sql-injection src/lib/db.ts",
      "critical taint/sql-injection src/order.ts",
      "high scan/handler-not-analyzed bulwark.yaml",
      "high dependency/GHSA-35jh-r3h4-6jhm package-lock.json",
      "high secret/jwt-secret src/status.ts",
      "medium manifest/auth-none bulwark.yaml",
    ]);
    assert.equal(report.blocked, true);
    assert.equal(report.failOn, "high");
    assert.ok(report.stats.files >= 6 && report.stats.lines > 0 && report.stats.ms >= 0);
    const sql = report.findings[0]!;
    assert.equal(sql.path[0]!.file, "src/search.ts");
  });

  it("a schema-validated function's body is no longer a source", async () => {
    const report = await scanProject(fixture("bulwark-app"), { schemaValidatedFunctions: ["order"] });
    assert.equal(report.findings.some((f) => f.file === "src/order.ts"), false);
    assert.equal(report.findings.some((f) => f.file === "src/lib/db.ts"), true);
  });

  it("without an advisories directory the dependency audit is skipped", async () => {
    const report = await scanProject(fixture("bulwark-app"));
    assert.equal(report.findings.some((f) => f.ruleId.startsWith("dependency/")), false);
  });

  it("suppressions move findings aside with their justification and can unblock", async () => {
    const suppressions = [
      { rule: "taint/sql-injection", path: "src/**", justification: "queries run against a read-only replica of public data" },
      { rule: "dependency/*", path: "package-lock.json", justification: "lodash template() is never called with input" },
      { rule: "secret/jwt-secret", path: "src/status.ts", justification: "signs a public, non-authoritative status token" },
      { rule: "scan/handler-not-analyzed", path: "bulwark.yaml", justification: "ghost is deployed from another repository" },
    ];
    const report = await scanProject(fixture("bulwark-app"), { advisoriesDir, suppressions });
    assert.deepEqual(summary(report.findings), ["medium manifest/auth-none bulwark.yaml"]);
    assert.equal(report.suppressed.length, 5);
    assert.ok(report.suppressed.every((s) => s.justification.length >= 10));
    assert.equal(report.blocked, false);
  });

  it("failOn lowers the gate", async () => {
    const suppressions = [{ rule: "taint/*", path: "**", justification: "accepted for this test of the gate" },
      { rule: "secret/*", path: "**", justification: "accepted for this test of the gate" },
      { rule: "scan/*", path: "**", justification: "accepted for this test of the gate" }];
    assert.equal((await scanProject(fixture("bulwark-app"), { suppressions })).blocked, false);
    assert.equal((await scanProject(fixture("bulwark-app"), { suppressions, failOn: "medium" })).blocked, true);
  });
});

describe("scanProject: AWS SAM app", () => {
  it("finds Node handlers under CodeUri, scans them, and lints IAM, APIs and timeouts", async () => {
    const report = await scanProject(fixture("sam-app"));
    assert.deepEqual(report.project.kinds, ["sam"]);
    assert.deepEqual(report.project.handlers, ["src/orders/get.js#handler", "src/reports/export.mjs#handler"]);
    assert.deepEqual(
      report.findings.map((f) => `${f.ruleId} ${f.field ?? f.file}`),
      [
        "taint/command-injection src/reports/export.mjs",
        "iac/iam-wildcard-action Resources.ReportFunction.Properties.Policies[0].Statement[0].Action",
        "iac/iam-wildcard-action Resources.ReportFunction.Properties.Policies[1]",
        "iac/iam-wildcard-action Resources.AdminRole.Properties.Policies[0].PolicyDocument.Statement[0].Action",
        "iac/iam-wildcard-resource Resources.ReportFunction.Properties.Policies[0].Statement[0].Resource",
        "iac/api-without-authorizer Resources.ReportFunction.Properties.Events.Export",
        "iac/api-without-authorizer Resources.ReportFunction.Properties.FunctionUrlConfig.AuthType",
        "iac/missing-timeout Resources.ReportFunction.Properties.Timeout",
      ],
    );
  });
});

describe("scanProject: Serverless Framework app", () => {
  it("finds handlers like src/h.main and lints statements, events and timeouts", async () => {
    const report = await scanProject(fixture("serverless-app"));
    assert.deepEqual(report.project.kinds, ["serverless"]);
    assert.deepEqual(
      report.findings.map((f) => `${f.ruleId} ${f.field ?? f.file}`),
      [
        "iac/iam-wildcard-action provider.iam.role.statements[0].Action",
        "taint/ssrf src/handlers/preview.ts",
        "iac/api-without-authorizer functions.fetchPreview.events[0].httpApi",
        "iac/api-without-authorizer functions.deleteNote.events[1].httpApi",
        "iac/missing-timeout functions.deleteNote.timeout",
      ],
    );
  });
});

describe("scanProject: inputs", () => {
  it("a directory with no manifest is a plain project: secrets and dependencies only", async () => {
    const dir = writeProject({ "index.js": `const slack = "https://example.com";\n` });
    const report = await scanProject(dir);
    assert.deepEqual(report.project.kinds, ["plain"]);
    assert.deepEqual(report.findings, []);
    assert.equal(report.blocked, false);
  });

  it("refuses bad options with BWK_INVALID_ARGUMENT", async () => {
    const dir = fixture("bulwark-app");
    await assert.rejects(scanProject("/nonexistent/dir"), { code: "BWK_INVALID_ARGUMENT" });
    await assert.rejects(scanProject(dir, { failOn: "critical" as never }), { code: "BWK_INVALID_ARGUMENT" });
    await assert.rejects(scanProject(dir, { advisoriesDir: "/nonexistent/osv" }), { code: "BWK_INVALID_ARGUMENT" });
    await assert.rejects(scanProject(dir, { suppressions: [{ rule: "taint/xss", path: "src/", justification: " " }] }), { code: "BWK_INVALID_ARGUMENT" });
    await assert.rejects(scanProject(dir, { suppressions: [{ rule: "*", path: "**", justification: "suppress everything at once" }] }), { code: "BWK_INVALID_ARGUMENT" });
    await assert.rejects(scanProject(dir, { schemaValidatedFunctions: "order" as never }), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("refuses a manifest that is not YAML with BWK_MANIFEST_INVALID", async () => {
    const dir = writeProject({ "bulwark.yaml": "functions: [unclosed\n" });
    await assert.rejects(scanProject(dir), { code: "BWK_MANIFEST_INVALID" });
  });

  it("does not follow a handler path out of the project", async () => {
    const dir = writeProject({ "bulwark.yaml": "functions:\n  x:\n    handler: ../../../../etc/passwd\n" });
    const report = await scanProject(dir);
    assert.deepEqual(summary(report.findings), ["high scan/handler-not-analyzed bulwark.yaml"]);
  });

  it("does not read through symlinks or into node_modules", async () => {
    const outside = writeProject({ "leak.ts": `const k = "AKIA${"Q3EGRT6P"}WZ7XK4MN";` });
    const dir = writeProject({ "node_modules/x/index.js": `const k = "AKIA${"Q3EGRT6P"}WZ7XK4MN";` });
    const { symlinkSync } = await import("node:fs");
    symlinkSync(outside, `${dir}/linked`);
    const report = await scanProject(dir);
    assert.deepEqual(report.findings, []);
  });
});

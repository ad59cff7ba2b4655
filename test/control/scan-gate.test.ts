// The client side of the deploy gate: which threshold wins, which functions count as
// schema-validated, and what a blocked scan says in one line.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { blockedMessage, parseFailOn, readAppManifest, scanApp, schemaValidatedFunctions, stricter } from "../../src/control/scan-gate.ts";
import { isBulwarkError } from "../../src/core/errors.ts";
import { parseManifest } from "../../src/core/manifest/parse.ts";
import { writeProject } from "../scan/write-project.ts";

const REASON = "the expression is a constant from our own config table, reviewed";

describe("stricter", () => {
  it("lets the flag tighten the manifest's threshold but never loosen it", () => {
    assert.equal(stricter(undefined, undefined), "high");
    assert.equal(stricter("medium", undefined), "medium");
    assert.equal(stricter(undefined, "low"), "low");
    assert.equal(stricter("medium", "high"), "medium");
    assert.equal(stricter("medium", "low"), "low");
    assert.equal(stricter("low", "high"), "low");
  });

  it("refuses an unknown --fail-on", () => {
    assert.throws(() => parseFailOn("critical"), (e) => isBulwarkError(e) && e.code === "BWK_USAGE");
    assert.equal(parseFailOn(undefined), undefined);
  });
});

describe("schemaValidatedFunctions", () => {
  it("counts a function only when every route that carries a body has an input schema", () => {
    const manifest = parseManifest(
      [
        "app: shop",
        "functions:",
        "  validated:",
        "    handler: a.ts",
        "    input: schemas/a.json",
        "    triggers: [{ http: { method: POST, path: /a, auth: apiKey } }, { http: { method: GET, path: /a, auth: apiKey } }]",
        "  partly:",
        "    handler: b.ts",
        "    triggers: [{ http: { method: POST, path: /b, auth: apiKey, input: schemas/b.json } }, { http: { method: PUT, path: /b, auth: apiKey } }]",
        "  reads:",
        "    handler: c.ts",
        "    triggers: [{ http: { method: GET, path: /c, auth: apiKey } }]",
        "  internal:",
        "    handler: d.ts",
        "",
      ].join("\n"),
      "bulwark.yaml",
    ).manifest;
    assert.deepEqual(schemaValidatedFunctions(manifest), ["validated"]);
  });
});

describe("scanApp", () => {
  const manifest = (extra = "") =>
    `app: shop\nfunctions:\n  run:\n    handler: run.js\n    triggers:\n      - http: { method: POST, path: /run, auth: apiKey }\n${extra}`;
  const handler = "export async function handler(event) { return eval(event.body); }\n";

  it("blocks an eval of the request body and says so in one line naming the rule and place", async () => {
    const dir = writeProject({ "bulwark.yaml": manifest(), "run.js": handler });
    const report = await scanApp(dir, readAppManifest(dir), {});
    assert.equal(report.blocked, true);
    const line = blockedMessage(report);
    assert.ok(!line.includes("\n"));
    assert.match(line, /taint\/code-injection at run\.js:1:\d+/);
  });

  it("applies the manifest's suppressions and threshold", async () => {
    const suppressed = manifest(`scan: { failOn: medium }\nsuppressions:\n  - rule: taint/code-injection\n    path: run.js\n    justification: "${REASON}"\n`);
    const dir = writeProject({ "bulwark.yaml": suppressed, "run.js": handler });
    const report = await scanApp(dir, readAppManifest(dir), { failOn: "high" });
    assert.equal(report.failOn, "medium");
    assert.deepEqual(report.suppressed.map((s) => s.finding.ruleId), ["taint/code-injection"]);
    // The route takes a body no schema validates: a medium finding, which blocks at medium.
    assert.equal(report.blocked, true);
  });

  it("scans a directory without bulwark.yaml (a SAM template) with no manifest", async () => {
    const dir = writeProject({
      "template.yaml": [
        "AWSTemplateFormatVersion: '2010-09-09'",
        "Transform: AWS::Serverless-2016-10-31",
        "Resources:",
        "  Fn:",
        "    Type: AWS::Serverless::Function",
        "    Properties: { Handler: app.handler, Runtime: nodejs20.x, CodeUri: src/, Timeout: 3 }",
        "",
      ].join("\n"),
      "src/app.js": "exports.handler = async (event) => eval(event.body);\n",
    });
    assert.equal(readAppManifest(dir), undefined);
    const report = await scanApp(dir, undefined, {});
    assert.deepEqual(report.project.kinds, ["sam"]);
    assert.ok(report.findings.some((f) => f.ruleId === "taint/code-injection" && f.file === "src/app.js"));
  });
});

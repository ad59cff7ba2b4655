// The manifest's deploy-gate keys: `scan: { failOn }` and `suppressions: [{ rule, path, justification }]`.
// A suppression without a real reason, or one that reaches outside the app, is a manifest error.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseManifest, validateManifestObject } from "../../../src/core/manifest/parse.ts";
import { assertAt, invalid, invalidYaml, lines } from "./expect-invalid.ts";

const REASON = "the input is a constant table id chosen by the router, never user text";

/** An app with one function; `extra` lines go at the top level after `functions:` (from line 5 on). */
function app(...extra: string[]): string {
  return lines("app: shop", "functions:", "  f:", "    handler: f.ts", ...extra);
}

function suppression(rule: string, path: string, justification: string): string[] {
  return ["suppressions:", `  - rule: ${rule}`, `    path: "${path}"`, `    justification: "${justification}"`];
}

const parsed = (text: string) => parseManifest(text, "bulwark.yaml").manifest;

describe("manifest scan settings", () => {
  it("leaves the gate at its default when scan: is absent", () => {
    const m = parsed(app());
    assert.equal(m.scan, undefined);
    assert.equal(m.suppressions, undefined);
  });

  it("reads failOn", () => {
    assert.deepEqual(parsed(app("scan: { failOn: medium }")).scan, { failOn: "medium" });
  });

  it("refuses an unknown threshold and unknown keys", () => {
    assertAt(invalidYaml(app("scan: { failOn: critical }")), 5, "scan.failOn");
    assertAt(invalidYaml(app("scan: { skip: true }")), 5, "scan.skip");
  });
});

describe("manifest suppressions", () => {
  it("keeps rule, path and the justification (whitespace collapsed)", () => {
    const m = parsed(app(...suppression("taint/sql-injection", "src/report.ts", `  ${REASON}  `)));
    assert.deepEqual(m.suppressions, [{ rule: "taint/sql-injection", path: "src/report.ts", justification: REASON }]);
  });

  it("accepts a rule family and globs", () => {
    const m = parsed(app(...suppression("dependency/*", "**/package-lock.json", REASON)));
    assert.equal(m.suppressions?.[0]?.rule, "dependency/*");
  });

  it("requires all three fields", () => {
    assertAt(invalidYaml(app("suppressions:", "  - rule: taint/xss", '    path: "a.ts"')), 6, "suppressions[0].justification");
    assertAt(invalidYaml(app("suppressions:", "  - rule: taint/xss", `    justification: "${REASON}"`)), 6, "suppressions[0].path");
  });

  it("refuses a justification that explains nothing", () => {
    for (const weak of ["", "ok", "false positive", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "TODO: explain why this is fine", "1234 5678 9012 3456 7890"]) {
      assertAt(invalidYaml(app(...suppression("taint/xss", "a.ts", weak))), 8, "suppressions[0].justification");
    }
  });

  it("refuses a rule that is not a rule id, and a wildcard over every rule", () => {
    assertAt(invalidYaml(app(...suppression("sql-injection", "a.ts", REASON))), 6, "suppressions[0].rule");
    assertAt(invalidYaml(app(...suppression('"*/*"', "a.ts", REASON))), 6, "suppressions[0].rule");
    assertAt(invalidYaml(app(...suppression('"*"', "a.ts", REASON))), 6, "suppressions[0].rule");
  });

  it("refuses paths that leave the app directory (CWE-22)", () => {
    for (const path of ["/etc/passwd", "../other/a.ts", "src/../../a.ts", "C:/a.ts", "src\\\\a.ts"]) {
      assertAt(invalidYaml(app(...suppression("taint/xss", path, REASON))), 7, "suppressions[0].path");
    }
  });

  it("validates the same rules when the manifest arrives as JSON (the server's path)", () => {
    const raw = { app: "shop", functions: { f: { handler: "f.ts" } }, suppressions: [{ rule: "taint/xss", path: "a.ts", justification: "because" }] };
    invalid(() => validateManifestObject(raw, "bulwark.yaml"));
    const ok = { ...raw, suppressions: [{ rule: "taint/xss", path: "a.ts", justification: REASON }] };
    assert.equal(validateManifestObject(ok, "bulwark.yaml").suppressions?.length, 1);
  });
});

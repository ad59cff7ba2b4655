// Suppression matching: rule ids and prefixes, files, directories and globs.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { applySuppressions, pathMatches, validateSuppressions } from "../../src/scan/suppress.ts";
import type { Finding } from "../../src/scan/types.ts";

const finding = (ruleId: string, file: string): Finding => ({
  ruleId, severity: "high", cwe: "CWE-89", message: "m", file, line: 1, column: 1, path: [], fix: "f",
});

describe("pathMatches", () => {
  it("matches files, directories and globs", () => {
    assert.ok(pathMatches("src/a.ts", "src/a.ts"));
    assert.ok(pathMatches("./src/a.ts", "src/a.ts"));
    assert.ok(!pathMatches("src/a.ts", "src/a.tsx"));
    assert.ok(pathMatches("src/", "src/lib/a.ts"));
    assert.ok(pathMatches("src/*.ts", "src/a.ts"));
    assert.ok(!pathMatches("src/*.ts", "src/lib/a.ts"));
    assert.ok(pathMatches("src/**/*.ts", "src/lib/deep/a.ts"));
    assert.ok(pathMatches("src/**/*.ts", "src/a.ts"));
    assert.ok(pathMatches("**", "anything/at/all.js"));
  });

  it("treats regex characters in a pattern literally", () => {
    assert.ok(!pathMatches("src/a+b.ts", "src/aab.ts"));
    assert.ok(pathMatches("src/a+b.ts", "src/a+b.ts"));
    assert.ok(!pathMatches("src/(x|y).ts", "src/x.ts"));
  });
});

describe("applySuppressions", () => {
  it("needs both the rule and the path to match", () => {
    const [s] = validateSuppressions([{ rule: "taint/sql-injection", path: "src/", justification: "read-only replica, public data" }]);
    const result = applySuppressions(
      [finding("taint/sql-injection", "src/a.ts"), finding("taint/sql-injection", "lib/a.ts"), finding("taint/xss", "src/a.ts")],
      [s!],
    );
    assert.deepEqual(result.suppressed.map((x) => `${x.finding.ruleId} ${x.finding.file}`), ["taint/sql-injection src/a.ts"]);
    assert.equal(result.findings.length, 2);
  });

  it("a rule prefix ending in * covers one family, never everything", () => {
    const [s] = validateSuppressions([{ rule: "dependency/*", path: "**", justification: "audited by the platform team weekly" }]);
    const result = applySuppressions([finding("dependency/GHSA-1", "package-lock.json"), finding("secret/generic", "a.env")], [s!]);
    assert.equal(result.suppressed.length, 1);
    assert.throws(() => validateSuppressions([{ rule: "*", path: "**", justification: "everything is fine here" }]), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("refuses a suppression without a written justification", () => {
    assert.throws(() => validateSuppressions([{ rule: "taint/xss", path: "src/" }]), { code: "BWK_INVALID_ARGUMENT" });
    assert.throws(() => validateSuppressions([{ rule: "taint/xss", path: "src/", justification: "ok" }]), { code: "BWK_INVALID_ARGUMENT" });
    assert.throws(() => validateSuppressions("taint/xss"), { code: "BWK_INVALID_ARGUMENT" });
  });
});

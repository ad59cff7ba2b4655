// The secret finder: every provider format found and redacted; ordinary code, lockfiles,
// identifiers and placeholders not reported.
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { shannon } from "../../../src/scan/secrets/entropy.ts";
import { findSecrets, isFixturePath } from "../../../src/scan/secrets/finder.ts";
import { TRUE_POSITIVES } from "../fixtures/secrets/true-positives.ts";

const falsePositives = fileURLToPath(new URL("../fixtures/secrets/false-positives/", import.meta.url));

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe("findSecrets: true positives", () => {
  for (const c of TRUE_POSITIVES) {
    it(`${c.rule} in ${c.file}`, () => {
      const findings = findSecrets(c.file, c.text);
      assert.deepEqual(
        findings.map((f) => f.ruleId),
        [c.rule],
      );
      const [f] = findings;
      assert.ok(f!.line >= 1 && f!.column >= 1);
      assert.ok(!f!.message.includes(c.secret), "the finding repeats the secret");
      assert.ok(f!.message.includes(`${c.secret.slice(0, 4)}…`), "the finding names the first four characters");
    });
  }

  it("points at the secret's line and column", () => {
    const c = TRUE_POSITIVES.find((x) => x.rule === "secret/aws-secret-access-key")!;
    const [f] = findSecrets(c.file, c.text);
    const line = c.text.split("\n")[f!.line - 1]!;
    assert.equal(line.slice(f!.column - 1, f!.column - 1 + c.secret.length), c.secret);
  });
});

describe("findSecrets: false positives", () => {
  for (const file of walk(falsePositives)) {
    const rel = relative(falsePositives, file).split("\\").join("/");
    it(`nothing in ${rel}`, () => {
      const findings = rel === "package-lock.json" ? [] : findSecrets(rel, readFileSync(file, "utf8"));
      assert.deepEqual(
        findings.map((f) => `${f.ruleId} ${f.line}:${f.column} ${f.message}`),
        [],
      );
    });
  }

  it("a connection string to localhost is reported at low", () => {
    const [f] = findSecrets("docker/dev.ts", `const url = "postgres://app:Q8wErTy2@localhost:5432/app";`);
    assert.equal(f!.severity, "low");
  });
});

describe("test fixtures", () => {
  it("recognizes fixture and test paths", () => {
    assert.ok(isFixturePath("test/fixtures/keys.ts"));
    assert.ok(isFixturePath("src/__tests__/auth.ts"));
    assert.ok(isFixturePath("src/auth.test.ts"));
    assert.ok(!isFixturePath("src/fixturesetup.ts"));
  });

  it("reports a secret in a fixture at low, so it does not block by itself", () => {
    const c = TRUE_POSITIVES[0]!;
    const [f] = findSecrets(`test/fixtures/${c.file}`, c.text);
    assert.equal(f!.severity, "low");
    assert.match(f!.message, /test fixture/);
  });
});

describe("hostile input", () => {
  // Catastrophic backtracking would hang here; the timeout turns a hang into a failure.
  it("scans a 1 MB line of token-like characters", { timeout: 60_000 }, () => {
    const blob = `const x = "${"A".repeat(1 << 20)}";\npassword = "${"a1".repeat(200_000)}`;
    assert.deepEqual(findSecrets("big.ts", blob), []);
  });

  it("entropy of a constant string is zero and of random text is high", () => {
    assert.equal(shannon("aaaa"), 0);
    assert.ok(shannon("9f8Ke2LmQ4rTz7Wb1XcV5nYh") > 4);
  });
});

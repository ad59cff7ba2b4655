// Every vulnerable fixture is found by its rule and by no other; every safe twin is clean.
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { analyzeFile } from "../../../src/scan/index.ts";
import { TAINT_RULE_IDS } from "../../../src/scan/taint/rules.ts";

const root = fileURLToPath(new URL("../fixtures/taint/", import.meta.url));

describe("taint fixtures", () => {
  for (const rule of TAINT_RULE_IDS) {
    const name = rule.slice("taint/".length);
    describe(rule, () => {
      for (const kind of ["vulnerable", "safe"] as const) {
        const dir = join(root, name, kind);
        const files = readdirSync(dir).filter((f) => /\.(ts|js)$/.test(f));
        it(`has at least 3 ${kind} fixtures`, () => assert.ok(files.length >= 3, `${dir} has ${files.length}`));
        for (const file of files) {
          it(`${kind}/${file}`, () => {
            const rules = analyzeFile(root, join(dir, file)).map((f) => f.ruleId);
            assert.deepEqual([...new Set(rules)], kind === "vulnerable" ? [rule] : []);
          });
        }
      }
    });
  }
});

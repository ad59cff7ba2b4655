// Precision and recall of the taint rules over the fixtures in test/scan/fixtures/taint:
// <rule>/vulnerable/*.{ts,js} must be flagged by <rule>, <rule>/safe/* must not, and no file
// may be flagged by a rule it was not written for. Helpers live in lib/ and are reached through
// the handlers' imports. Usage: node scripts/scan-eval.ts [fixtures-dir] [--verbose]
import { readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { analyzeFile } from "../src/scan/index.ts";
import { TAINT_RULE_IDS } from "../src/scan/taint/rules.ts";

const args = process.argv.slice(2);
const verbose = args.includes("--verbose");
const here = fileURLToPath(new URL(".", import.meta.url));
const root = resolve(args.find((a) => !a.startsWith("--")) ?? join(here, "..", "test", "scan", "fixtures", "taint"));

interface Counts {
  tp: number;
  fp: number;
  fn: number;
}
const counts = new Map<string, Counts>(TAINT_RULE_IDS.map((r) => [r, { tp: 0, fp: 0, fn: 0 }]));
const notes: string[] = [];

for (const ruleDir of readdirSync(root, { withFileTypes: true })) {
  if (!ruleDir.isDirectory()) continue;
  const rule = `taint/${ruleDir.name}`;
  if (!counts.has(rule)) throw new Error(`fixture folder ${ruleDir.name} names no rule`);
  for (const kind of ["vulnerable", "safe"] as const) {
    const dir = join(root, ruleDir.name, kind);
    for (const file of readdirSync(dir).filter((f) => /\.(ts|js|mjs|cjs)$/.test(f)).sort()) {
      const rel = `${ruleDir.name}/${kind}/${file}`;
      const findings = analyzeFile(root, join(dir, file));
      const flagged = new Set(findings.map((f) => f.ruleId));
      if (kind === "vulnerable") {
        if (flagged.has(rule)) counts.get(rule)!.tp++;
        else {
          counts.get(rule)!.fn++;
          notes.push(`missed      ${rel}`);
        }
      }
      for (const other of flagged) {
        if (kind === "vulnerable" && other === rule) continue;
        counts.get(other)!.fp++;
        notes.push(`false alarm ${rel}: ${other}`);
      }
    }
  }
}

const pct = (x: number, total: number) => (total === 0 ? "  n/a" : `${((100 * x) / total).toFixed(1).padStart(5)}%`);
console.log("rule                               TP  FP  FN  precision  recall");
let all: Counts = { tp: 0, fp: 0, fn: 0 };
for (const [rule, c] of counts) {
  all = { tp: all.tp + c.tp, fp: all.fp + c.fp, fn: all.fn + c.fn };
  console.log(
    `${rule.padEnd(33)} ${String(c.tp).padStart(3)} ${String(c.fp).padStart(3)} ${String(c.fn).padStart(3)}     ${pct(c.tp, c.tp + c.fp)}  ${pct(c.tp, c.tp + c.fn)}`,
  );
}
console.log(
  `${"all rules".padEnd(33)} ${String(all.tp).padStart(3)} ${String(all.fp).padStart(3)} ${String(all.fn).padStart(3)}     ${pct(all.tp, all.tp + all.fp)}  ${pct(all.tp, all.tp + all.fn)}`,
);
if (verbose || notes.length > 0) for (const n of notes) console.log(n);

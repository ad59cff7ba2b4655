// `node scripts/bench-scan.ts [--files N] [--runs N]`: the deploy gate's scan time and peak memory
// on a generated Bulwark app of 1,000 TypeScript files and 100,000 lines (50 handlers, each
// reaching library modules through imports, with request data flowing through helpers into
// sinks, some sanitized), plus a package-lock and advisories. Each run scans in a fresh child
// process, so its peak RSS (getrusage maxrss) is the scanner's own. Prints a Markdown table.
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { scanProject } from "../src/scan/index.ts";

const ROOT = resolve(import.meta.dirname, "..");
const LINES_PER_FILE = 100;
const HANDLERS = 50;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

/** A library module of exactly LINES_PER_FILE lines: helpers that pass data on, a class, a table. */
function library(i: number, files: number): string {
  const next = (k: number) => `./m${(i + k) % files}.ts`;
  const head = [
    `import { normalize${(i + 1) % files} } from "${next(1)}";`,
    `import { lookup${(i + 2) % files} } from "${next(2)}";`,
    "",
    `export function normalize${i}(value: string): string {`,
    "  const trimmed = value.trim().toLowerCase();",
    "  return trimmed.length > 64 ? trimmed.slice(0, 64) : trimmed;",
    "}",
    "",
    `export function lookup${i}(key: string): string | undefined {`,
    `  return TABLE_${i}.get(key);`,
    "}",
    "",
    `export function describe${i}(input: { name?: string; tags?: string[] }): string {`,
    `  const name = normalize${(i + 1) % files}(input.name ?? "anonymous");`,
    "  const tags = (input.tags ?? []).map((t) => t.replace(/[^a-z0-9-]/g, \"\")).join(\",\");",
    `  return \`\${name}:\${tags}:\${lookup${(i + 2) % files}(name) ?? "none"}\`;`,
    "}",
    "",
    `export class Counter${i} {`,
    "  #counts = new Map<string, number>();",
    "  add(key: string, by = 1): number {",
    "    const next = (this.#counts.get(key) ?? 0) + by;",
    "    this.#counts.set(key, next);",
    "    return next;",
    "  }",
    "  top(n: number): Array<[string, number]> {",
    "    return [...this.#counts].sort((a, b) => b[1] - a[1]).slice(0, n);",
    "  }",
    "}",
    "",
    `const TABLE_${i} = new Map<string, string>([`,
  ];
  const tail = ["]);", ""];
  const rows: string[] = [];
  for (let r = 0; head.length + rows.length + tail.length < LINES_PER_FILE; r++) rows.push(`  ["key-${i}-${r}", "value ${r} of module ${i}"],`);
  return [...head, ...rows, ...tail].join("\n");
}

/** A handler of exactly LINES_PER_FILE lines: request data through library helpers into sinks. */
function handler(h: number, files: number): string {
  const lib = (k: number) => (h * 7 + k) % files;
  const head = [
    'import { readFile } from "node:fs/promises";',
    'import { basename, join } from "node:path";',
    `import { describe${lib(0)} } from "../lib/m${lib(0)}.ts";`,
    `import { normalize${lib(1)} } from "../lib/m${lib(1)}.ts";`,
    `import { Counter${lib(2)} } from "../lib/m${lib(2)}.ts";`,
    "",
    `const counter = new Counter${lib(2)}();`,
    'const ALLOWED = new Set(["summary", "detail", "export"]);',
    "",
    "export async function handler(event: { body?: string; queryStringParameters?: Record<string, string> }, ctx: { kv(ns: string): { get(k: string): Promise<string | null> } }) {",
    "  const input = JSON.parse(event.body ?? \"{}\") as { name?: string; tags?: string[]; view?: string; file?: string };",
    `  const label = describe${lib(0)}(input);`,
    `  const who = normalize${lib(1)}(input.name ?? "");`,
    "  counter.add(who);",
    "  const view = ALLOWED.has(input.view ?? \"\") ? input.view : \"summary\";",
    '  const file = join("/srv/reports", basename(input.file ?? "index.txt"));',
    '  if (!file.startsWith("/srv/reports/")) return { statusCode: 400, body: "bad file" };',
    "  const report = await readFile(file, \"utf8\");",
    "  const cached = await ctx.kv(\"labels\").get(label);",
    "  const page = event.queryStringParameters?.page ?? \"1\";",
    "  const n = Number.parseInt(page, 10);",
  ];
  const tail = [
    "  return {",
    "    statusCode: 200,",
    '    headers: { "content-type": "application/json" },',
    "    body: JSON.stringify({ label, view, cached, n, size: report.length, top: counter.top(3) }),",
    "  };",
    "}",
  ];
  const body: string[] = [];
  for (let r = 0; head.length + body.length + tail.length < LINES_PER_FILE; r++) {
    body.push(`  const step${r} = \`\${label}-${r}\`.length + n * ${r};`);
  }
  return [...head, ...body, ...tail].join("\n");
}

function generate(dir: string, total: number): { files: number; lines: number } {
  const libraries = total - HANDLERS;
  mkdirSync(join(dir, "lib"), { recursive: true });
  mkdirSync(join(dir, "handlers"), { recursive: true });
  let lines = 0;
  const write = (path: string, text: string) => {
    writeFileSync(join(dir, path), text);
    lines += text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
  };
  for (let i = 0; i < libraries; i++) write(`lib/m${i}.ts`, `${library(i, libraries)}\n`);
  const manifest = ["app: bench", "functions:"];
  for (let h = 0; h < HANDLERS; h++) {
    write(`handlers/h${h}.ts`, `${handler(h, libraries)}\n`);
    manifest.push(`  h${h}:`, `    handler: handlers/h${h}.ts`, "    triggers:", `      - http: { method: POST, path: /h${h}, auth: apiKey }`);
  }
  writeFileSync(join(dir, "bulwark.yaml"), `${manifest.join("\n")}\n`);
  cpSync(join(ROOT, "package-lock.json"), join(dir, "package-lock.json"));
  return { files: total, lines };
}

async function child(dir: string, advisories: string): Promise<void> {
  const report = await scanProject(dir, { advisoriesDir: advisories });
  const peakMiB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${JSON.stringify({ ms: report.stats.ms, files: report.stats.files, lines: report.stats.lines, findings: report.findings.length, peakMiB })}\n`);
}

async function main(): Promise<void> {
  if (process.argv[2] === "--child") return child(process.argv[3]!, process.argv[4]!);
  const total = arg("files", 1_000);
  const runs = arg("runs", 3);
  const dir = mkdtempSync(join(tmpdir(), "bulwark-bench-scan-"));
  try {
    const generated = generate(dir, total);
    const samples: Array<{ ms: number; files: number; lines: number; findings: number; peakMiB: number }> = [];
    for (let r = 0; r < runs; r++) {
      const out = spawnSync(process.execPath, [import.meta.filename, "--child", dir, join(ROOT, "test", "scan", "fixtures", "osv")], { encoding: "utf8" });
      if (out.status !== 0) throw new Error(`scan run failed: ${out.stderr}`);
      samples.push(JSON.parse(out.stdout));
    }
    const ms = samples.map((s) => s.ms).sort((a, b) => a - b);
    const peak = Math.max(...samples.map((s) => s.peakMiB));
    const s = samples[0]!;
    console.log(`Scan of a generated app: ${generated.files} files, ${generated.lines} lines written (${s.files} files, ${s.lines} lines scanned, lockfile included), ${HANDLERS} handlers, ${s.findings} findings; ${runs} runs on ${cpus().length} CPUs`);
    console.log("");
    console.log("| measure | value | target |");
    console.log("| --- | --- | --- |");
    console.log(`| scan time, median of ${runs} (min–max) | ${(ms[Math.floor(ms.length / 2)]! / 1000).toFixed(2)} s (${(ms[0]! / 1000).toFixed(2)}–${(ms.at(-1)! / 1000).toFixed(2)} s) | < 10 s |`);
    console.log(`| peak memory (RSS of the scanning process) | ${peak.toFixed(0)} MiB | – |`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

// `bulwark scan [DIR]`: the deploy gate on its own, no platform needed. Bulwark apps (bulwark.yaml,
// with its suppressions and scan.failOn), AWS SAM (template.yaml) and Serverless Framework
// (serverless.yml) projects. Exit 1 when findings at or above the threshold remain.
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { BulwarkError } from "../../core/errors.ts";
import { blockedMessage, readAppManifest, scanApp } from "../../control/scan-gate.ts";
import { formatTable, toJson, toSarif, type ScanReport } from "../../scan/index.ts";
import type { Command } from "../command.ts";
import { GATE_HELP, GATE_OPTIONS, gateOptions } from "./gate.ts";

const FORMATS: Record<string, (report: ScanReport) => string> = {
  table: formatTable,
  json: toJson,
  sarif: (report) => `${JSON.stringify(toSarif(report), null, 2)}\n`,
};

export const scan: Command = {
  name: "scan",
  summary: "Scans DIR (default: .) as the deploy gate does: handler taint flows, secrets, dependencies, manifest and template lint.",
  usage: "bulwark scan [DIR] [--format table|json|sarif] [--out FILE] [--fail-on high|medium|low] [--advisories DIR]",
  options: {
    format: { type: "string", short: "f" },
    out: { type: "string", short: "o" },
    ...GATE_OPTIONS,
    help: { type: "boolean", short: "h" },
  },
  help: {
    format: "table (default), json, or sarif (SARIF 2.1.0, for GitHub code scanning)",
    out: "write the report to FILE instead of stdout",
    ...GATE_HELP,
  },
  positionals: { min: 0, max: 1 },
  async run(args, env) {
    const format = typeof args.values.format === "string" ? args.values.format : "table";
    const render = Object.hasOwn(FORMATS, format) ? FORMATS[format]! : undefined;
    if (!render) throw new BulwarkError("BWK_USAGE", `--format must be one of ${Object.keys(FORMATS).join(", ")}`);
    const dir = resolve(env.cwd, args.positionals[0] ?? ".");
    const report = await scanApp(dir, readAppManifest(dir), gateOptions(args, env));
    const text = render(report);
    if (typeof args.values.out === "string") writeReport(resolve(env.cwd, args.values.out), text);
    else env.stdout.write(text);
    if (!report.blocked) return 0;
    env.stderr.write(`bulwark: scan blocked: ${blockedMessage(report)}\n`);
    return 1;
  },
};

function writeReport(file: string, text: string): void {
  try {
    writeFileSync(file, text);
  } catch (e) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

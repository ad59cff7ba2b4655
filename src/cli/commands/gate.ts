// The deploy gate as `deploy` and `up` run it: scan the app before anything is uploaded or
// started; findings at or above the threshold print as a table on stderr and stop the command
// with one line. What passes travels with the deploy: the report and the lockfile (for the SBOM).
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { BulwarkError } from "../../core/errors.ts";
import type { Manifest } from "../../core/manifest/types.ts";
import { blockedMessage, hasLockfile, parseFailOn, readLockfileText, scanApp, type GateOptions } from "../../control/scan-gate.ts";
import { formatTable, type ScanReport } from "../../scan/index.ts";
import type { Env, Options, Parsed } from "../command.ts";
import { print } from "./shared.ts";

export const GATE_OPTIONS: Options = {
  "fail-on": { type: "string" },
  advisories: { type: "string" },
};
export const GATE_HELP = {
  "fail-on": "block on findings at or above high (default), medium or low; bulwark.yaml's scan.failOn is the floor",
  advisories: "OSV advisories dir for the dependency audit (default: the copy `bulwark advisories import` keeps)",
};

/** --advisories, else the imported copy when there is one; undefined skips the dependency audit. */
export function gateOptions(args: Parsed, env: Env): GateOptions {
  const failOn = parseFailOn(args.values["fail-on"]);
  const flag = args.values.advisories;
  const imported = env.dataHome === undefined ? undefined : join(env.dataHome, "advisories");
  const advisoriesDir = typeof flag === "string" ? resolve(env.cwd, flag) : imported !== undefined && existsSync(imported) ? imported : undefined;
  return { ...(failOn && { failOn }), ...(advisoriesDir && { advisoriesDir }) };
}

export interface PassedGate {
  scan: ScanReport;
  lockfile?: string;
}

export async function runGate(dir: string, manifest: Manifest, args: Parsed, env: Env): Promise<PassedGate> {
  const options = gateOptions(args, env);
  const report = await scanApp(dir, manifest, options);
  if (options.advisoriesDir === undefined && hasLockfile(dir)) {
    print(env.stderr, "note: dependencies were not audited: no advisories (run `bulwark advisories import FILE.zip` or pass --advisories DIR)");
  }
  if (report.findings.length > 0 || report.suppressed.length > 0) env.stderr.write(formatTable(report));
  if (report.blocked) throw new BulwarkError("BWK_SCAN_BLOCKED", `deploy blocked by the scan: ${blockedMessage(report)}; fix them or suppress them in bulwark.yaml with a justification`);
  if (report.findings.length === 0) print(env.stdout, `scan: no findings in ${report.stats.files} files (${report.stats.ms} ms)`);
  const lockfile = readLockfileText(dir);
  return { scan: report, ...(lockfile === undefined ? {} : { lockfile }) };
}

// The deploy gate, client side: scans the app directory (sources, config, lockfile) before
// anything is uploaded, with the manifest's threshold and suppressions. `bulwark scan` uses the
// same function on its own, also for AWS SAM and Serverless projects (no bulwark.yaml).
import { existsSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { BulwarkError } from "../core/errors.ts";
import { parseManifest } from "../core/manifest/parse.ts";
import type { Manifest } from "../core/manifest/types.ts";
import { scanProject, type FailOn, type ScanReport } from "../scan/index.ts";
import { atLeast, SEVERITIES } from "../scan/types.ts";
import { readManifest } from "./build.ts";

export const FAIL_ON: readonly FailOn[] = ["high", "medium", "low"];
const LOCKFILE = "package-lock.json";
const MAX_LOCKFILE_BYTES = 32 * 1024 * 1024;
/** Methods whose requests carry no body, so `input:` does not apply to them (RFC 9110 §9.3.1). */
const BODILESS = new Set(["GET", "HEAD", "OPTIONS"]);

export interface GateOptions {
  /** --fail-on: may tighten the manifest's `scan.failOn`, never loosen it. */
  failOn?: FailOn;
  /** OSV advisories; without them the dependency audit is skipped. */
  advisoriesDir?: string;
}

/** The bulwark.yaml of `dir`, parsed and validated; undefined when the directory has none. */
export function readAppManifest(dir: string): Manifest | undefined {
  const root = resolve(dir);
  if (!existsSync(join(root, "bulwark.yaml")) && !existsSync(join(root, "bulwark.yml"))) return undefined;
  const { file, text } = readManifest(root);
  return parseManifest(text, file).manifest;
}

export async function scanApp(dir: string, manifest: Manifest | undefined, options: GateOptions): Promise<ScanReport> {
  return scanProject(dir, {
    failOn: stricter(manifest?.scan?.failOn, options.failOn),
    ...(manifest?.suppressions === undefined ? {} : { suppressions: manifest.suppressions }),
    ...(manifest === undefined ? {} : { schemaValidatedFunctions: schemaValidatedFunctions(manifest) }),
    ...(options.advisoriesDir === undefined ? {} : { advisoriesDir: options.advisoriesDir }),
  });
}

/** The stricter of two thresholds: the manifest sets the team's floor, the flag can only raise it. */
export function stricter(a: FailOn | undefined, b: FailOn | undefined): FailOn {
  if (a === undefined || b === undefined) return a ?? b ?? "high";
  return atLeast(a, b) ? b : a;
}

/**
 * Functions whose every body-carrying route validates the body against an `input:` schema before
 * the function runs: the scanner treats their event body as validated (a sanitizer).
 */
export function schemaValidatedFunctions(manifest: Manifest): string[] {
  return Object.values(manifest.functions)
    .filter((fn) => {
      const withBody = fn.triggers.filter((t) => !BODILESS.has(t.method));
      return withBody.length > 0 && withBody.every((t) => t.input !== undefined);
    })
    .map((fn) => fn.name);
}

/** The app's package-lock.json text, sent with a deploy for its SBOM; undefined without one. */
export function readLockfileText(dir: string): string | undefined {
  const path = join(resolve(dir), LOCKFILE);
  let size: number;
  try {
    size = statSync(path).size;
  } catch {
    return undefined;
  }
  if (size > MAX_LOCKFILE_BYTES) throw new BulwarkError("BWK_INVALID_ARGUMENT", `${path} is larger than 32 MiB`);
  return readFileSync(path, "utf8");
}

export function hasLockfile(dir: string): boolean {
  return existsSync(join(resolve(dir), LOCKFILE));
}

/** One line: how many findings block, and the first of them. */
export function blockedMessage(report: ScanReport): string {
  const blocking = report.findings.filter((f) => atLeast(f.severity, report.failOn));
  const counts = SEVERITIES.map((s) => [s, blocking.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  const first = blocking[0];
  const where = first ? ` (first: ${first.ruleId} at ${first.file}:${first.line}:${first.column})` : "";
  return `${blocking.length} finding${blocking.length === 1 ? "" : "s"} at or above ${report.failOn}: ${counts}${where}`;
}

export function parseFailOn(value: string | boolean | undefined): FailOn | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string" || !FAIL_ON.includes(value as FailOn)) {
    throw new BulwarkError("BWK_USAGE", `--fail-on must be one of ${FAIL_ON.join(", ")}`);
  }
  return value as FailOn;
}

// Bulwark's deploy-time scanner: taint analysis of the handlers, hardcoded secrets, vulnerable
// dependencies, manifest and template lint; one report, gated at a severity. It knows nothing of
// the runtime: it reads a directory and returns findings.
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { BulwarkError } from "../core/errors.ts";
import { lintManifest } from "./config/manifest-lint.ts";
import { CONFIG_RULES } from "./config/rules.ts";
import { auditLockfile } from "./deps/audit.ts";
import { lockPathLines, readLockfile } from "./deps/lockfile.ts";
import { loadAdvisories } from "./deps/osv.ts";
import { projectFiles, readText } from "./files.ts";
import { readProject } from "./project.ts";
import { findSecrets } from "./secrets/finder.ts";
import { applySuppressions, validateSuppressions } from "./suppress.ts";
import { scanHandlers } from "./taint/handlers.ts";
import type { HandlerRef } from "./config/handlers.ts";
import { atLeast, compareFindings, type FailOn, type Finding, type ProjectKind, type ScanOptions, type ScanReport } from "./types.ts";

export type { FailOn, Finding, PathStep, ScanOptions, ScanReport, Severity, Suppression } from "./types.ts";
export { formatTable, toJson } from "./report/table.ts";
export { toSarif } from "./report/sarif.ts";
export { toCycloneDx } from "./report/sbom.ts";
export { readLockfile } from "./deps/lockfile.ts";
export { lintManifest } from "./config/manifest-lint.ts";
export { analyzeFile, scanHandlers } from "./taint/handlers.ts";

const FAIL_ON: readonly FailOn[] = ["high", "medium", "low"];

export async function scanProject(dir: string, options: ScanOptions = {}): Promise<ScanReport> {
  const started = performance.now();
  const failOn = options.failOn ?? "high";
  if (!FAIL_ON.includes(failOn)) throw new BulwarkError("BWK_INVALID_ARGUMENT", `failOn must be one of ${FAIL_ON.join(", ")}`);
  const suppressions = validateSuppressions(options.suppressions);
  const validated = options.schemaValidatedFunctions ?? [];
  if (!Array.isArray(validated) || !validated.every((x) => typeof x === "string"))
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "schemaValidatedFunctions must be a list of function names");
  const root = resolve(dir);
  if (!isDirectory(root)) throw new BulwarkError("BWK_INVALID_ARGUMENT", `${dir} is not a directory`);
  // Load the advisories first: a broken database fails the scan before any work is done.
  const advisories = options.advisoriesDir === undefined ? null : loadAdvisories(options.advisoriesDir);

  const files = projectFiles(root);
  const project = readProject(root, files.text, new Set(validated));
  const findings: Finding[] = [...project.findings];

  const analyzable = project.handlers.filter((h) => h.file !== undefined);
  const taint = scanHandlers(
    root,
    analyzable.map((h) => ({ file: h.file!, exportName: h.exportName, schemaValidated: h.schemaValidated === true })),
  );
  findings.push(...taint.findings);
  for (const h of project.handlers)
    if (h.file === undefined) findings.push(notAnalyzed(project.kinds, h, `no module ${h.wanted} (.js/.ts) in the project`));
  for (const u of taint.unresolved) findings.push(notAnalyzed(project.kinds, analyzable[u.index]!, u.reason));

  if (project.manifest) {
    const { file, doc } = project.manifest;
    const sourceOf = new Map(analyzable.map((h, i) => [h.name, taint.sources[i] ?? ""]));
    findings.push(...lintManifest(doc.value, { file, locate: doc.locate, handlerSource: (fn) => sourceOf.get(fn) || undefined }));
  }

  let lines = 0;
  let scanned = 0;
  for (const f of files.text) {
    const text = readText(f);
    if (text === null) continue;
    scanned++;
    lines += countLines(text);
    findings.push(...findSecrets(f.rel, text));
  }
  for (const f of files.lockfiles) {
    const text = readText(f);
    if (text === null) continue;
    scanned++;
    lines += countLines(text);
    if (advisories) findings.push(...auditLockfile(readLockfile(text, f.rel), advisories, f.rel, lockPathLines(text)));
  }

  const result = applySuppressions(findings, suppressions);
  result.findings.sort(compareFindings);
  return {
    findings: result.findings,
    suppressed: result.suppressed,
    blocked: result.findings.some((f) => atLeast(f.severity, failOn)),
    failOn,
    stats: { files: scanned, lines, ms: Math.round(performance.now() - started) },
    project: {
      kinds: project.kinds,
      handlers: analyzable.map((h) => `${h.file!.slice(root.length + 1).split("\\").join("/")}#${h.exportName}`),
    },
  };
}

/**
 * A gate that cannot see a handler must not pass it silently: high in a Bulwark app (the deploy
 * gate), medium in templates scanned for advice, whose handlers may be built elsewhere.
 */
function notAnalyzed(kinds: readonly ProjectKind[], h: HandlerRef, why: string): Finding {
  const meta = CONFIG_RULES["scan/handler-not-analyzed"];
  return {
    ruleId: "scan/handler-not-analyzed",
    severity: kinds.includes("bulwark") && h.declared.file.startsWith("bulwark.y") ? meta.severity : "medium",
    cwe: meta.cwe,
    message: `Handler of ${h.name} was not analyzed: ${why}`,
    ...h.declared,
    path: [],
    fix: meta.fix,
  };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function countLines(text: string): number {
  let n = text.length > 0 && !text.endsWith("\n") ? 1 : 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

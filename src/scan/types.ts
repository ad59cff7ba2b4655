// The shapes every part of the scanner produces and every output format consumes.

export const SEVERITIES = ["critical", "high", "medium", "low"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** The gate threshold: findings at or above it block a deploy. */
export type FailOn = "high" | "medium" | "low";

/** One hop of a source-to-sink path, 1-based line and column like every editor. */
export interface PathStep {
  file: string;
  line: number;
  column: number;
  note: string;
}

export interface DependencyInfo {
  package: string;
  installed: string;
  /** The first fixed version above the installed one; absent when no fix exists. */
  fixed?: string;
  advisory: string;
  aliases: string[];
  /** Where the package sits in the lockfile's `packages` map (`node_modules/a/node_modules/b`). */
  lockPath: string;
}

export interface Finding {
  ruleId: string;
  severity: Severity;
  /** `CWE-89` form. */
  cwe: string;
  message: string;
  /** Relative to the scanned directory, `/`-separated. */
  file: string;
  line: number;
  column: number;
  /** Source to sink for taint findings; empty for the others. */
  path: PathStep[];
  fix: string;
  /** Manifest and template findings: the field at fault, `functions.charge.triggers[0].http.auth`. */
  field?: string;
  dependency?: DependencyInfo;
}

export interface Suppression {
  /** A rule id, or a prefix ending in `*` (`dependency/*`). */
  rule: string;
  /** A file relative to the scanned directory, a directory ending in `/`, or a glob with `*`/`**`. */
  path: string;
  justification: string;
}

export interface SuppressedFinding {
  finding: Finding;
  justification: string;
}

export type ProjectKind = "bulwark" | "sam" | "serverless" | "plain";

export interface ScanReport {
  findings: Finding[];
  suppressed: SuppressedFinding[];
  /** An unsuppressed finding is at or above `failOn`. */
  blocked: boolean;
  failOn: FailOn;
  stats: { files: number; lines: number; ms: number };
  /** What the scanned directory is, and the handlers analyzed (`file#export`). */
  project: { kinds: ProjectKind[]; handlers: string[] };
}

export interface ScanOptions {
  /** A directory of OSV JSON advisories; without it the dependency audit is skipped. */
  advisoriesDir?: string;
  /** Default `high`: critical and high findings block. */
  failOn?: FailOn;
  suppressions?: Suppression[];
  /** Functions whose event body the platform validates against the manifest's `input:` schema. */
  schemaValidatedFunctions?: string[];
}

const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1 };

export function atLeast(s: Severity, threshold: FailOn | Severity): boolean {
  return RANK[s] >= RANK[threshold];
}

/** Most severe first, then by file, line and column: a stable order for every output. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    RANK[b.severity] - RANK[a.severity] ||
    (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.ruleId < b.ruleId ? -1 : a.ruleId > b.ruleId ? 1 : 0)
  );
}

// OSV advisories (https://ossf.github.io/osv-schema/) from a local directory, and the schema's
// range evaluation for npm: SEMVER/ECOSYSTEM ranges of introduced/fixed/last_affected/limit
// events plus explicit `versions`. Versions compare by SemVer 2.0 precedence, so a prerelease
// sits below its release: 1.0.0-beta is inside "introduced 0, fixed 1.0.0" (the OSV meaning,
// which is node-semver's satisfies() with includePrerelease, not its default).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import semver from "semver";
import { BulwarkError } from "../../core/errors.ts";
import type { Severity } from "../types.ts";
import { cvss3BaseScore } from "./cvss.ts";

export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface OsvAffected {
  package: { ecosystem: string; name: string };
  ranges?: Array<{ type: string; events: OsvEvent[] }>;
  versions?: string[];
  database_specific?: { severity?: string; cwe_ids?: string[] };
}

export interface OsvAdvisory {
  id: string;
  summary?: string;
  aliases?: string[];
  withdrawn?: string;
  affected?: OsvAffected[];
  severity?: Array<{ type: string; score: string }>;
  database_specific?: { severity?: string; cwe_ids?: string[] };
}

/** npm advisories by package name, withdrawn ones left out. */
export type AdvisoryIndex = Map<string, Array<{ advisory: OsvAdvisory; affected: OsvAffected }>>;

const MAX_FILES = 500_000;

export function loadAdvisories(dir: string): AdvisoryIndex {
  const index: AdvisoryIndex = new Map();
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new BulwarkError("BWK_INVALID_ARGUMENT", `advisories directory ${dir} does not exist`);
  for (const file of jsonFiles(dir)) {
    let doc: unknown;
    try {
      doc = JSON.parse(readFileSync(file, "utf8"));
    } catch {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `advisory ${relative(dir, file)} is not valid JSON`);
    }
    for (const advisory of Array.isArray(doc) ? doc : [doc]) addAdvisory(index, advisory, relative(dir, file));
  }
  return index;
}

function jsonFiles(dir: string): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.isDirectory()) stack.push(join(d, entry.name));
      else if (entry.isFile() && entry.name.endsWith(".json")) out.push(join(d, entry.name));
      if (out.length > MAX_FILES) throw new BulwarkError("BWK_INVALID_ARGUMENT", `more than ${MAX_FILES} advisories in ${dir}`);
    }
  }
  return out.sort();
}

function addAdvisory(index: AdvisoryIndex, doc: unknown, file: string): void {
  if (typeof doc !== "object" || doc === null || typeof (doc as OsvAdvisory).id !== "string")
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `advisory ${file} has no id`);
  const advisory = doc as OsvAdvisory;
  if (advisory.withdrawn) return;
  for (const affected of Array.isArray(advisory.affected) ? advisory.affected : []) {
    if (affected?.package?.ecosystem !== "npm" || typeof affected.package.name !== "string") continue;
    const list = index.get(affected.package.name) ?? [];
    list.push({ advisory, affected });
    index.set(affected.package.name, list);
  }
}

function parse(v: string): semver.SemVer | null {
  return semver.parse(v, { loose: true });
}

/** Is `version` affected, and if so the lowest fixed version above it (undefined: no fix yet)? */
export function affects(affected: OsvAffected, version: string): { affected: boolean; fixed?: string } {
  const v = parse(version);
  if (!v) return { affected: false };
  if (Array.isArray(affected.versions) && affected.versions.some((x) => typeof x === "string" && (parse(x)?.compare(v) ?? 1) === 0))
    return withFix({ affected: true }, affected, v);
  for (const range of Array.isArray(affected.ranges) ? affected.ranges : []) {
    if ((range.type === "SEMVER" || range.type === "ECOSYSTEM") && inRange(v, range.events)) return withFix({ affected: true }, affected, v);
  }
  return { affected: false };
}

type Point = { kind: keyof OsvEvent; at: semver.SemVer | "zero" };

function points(events: unknown): Point[] | null {
  if (!Array.isArray(events)) return null;
  const out: Point[] = [];
  for (const e of events) {
    if (typeof e !== "object" || e === null) return null;
    for (const kind of ["introduced", "fixed", "last_affected", "limit"] as const) {
      const raw = (e as OsvEvent)[kind];
      if (raw === undefined) continue;
      if (kind === "introduced" && raw === "0") out.push({ kind, at: "zero" });
      else {
        const at = typeof raw === "string" ? parse(raw) : null;
        if (!at) return null; // An event we cannot order makes the whole range unevaluable.
        out.push({ kind, at });
      }
    }
  }
  return out;
}

const cmp = (a: Point["at"], b: Point["at"]): number => (a === "zero" ? (b === "zero" ? 0 : -1) : b === "zero" ? 1 : a.compare(b));

/** The OSV schema's evaluation: walk the events in version order, toggling in and out. */
function inRange(v: semver.SemVer, events: unknown): boolean {
  const ps = points(events);
  if (!ps) return false;
  const sorted = ps.filter((p) => p.kind !== "limit").sort((x, y) => cmp(x.at, y.at));
  let included = false;
  for (const p of sorted) {
    if (p.kind === "introduced" && (p.at === "zero" || v.compare(p.at) >= 0)) included = true;
    else if (p.kind === "fixed" && p.at !== "zero" && v.compare(p.at) >= 0) included = false;
    else if (p.kind === "last_affected" && p.at !== "zero" && v.compare(p.at) > 0) included = false;
  }
  const limits = ps.filter((p) => p.kind === "limit");
  return included && (limits.length === 0 || limits.some((l) => l.at !== "zero" && v.compare(l.at) < 0));
}

function withFix(result: { affected: true }, affected: OsvAffected, v: semver.SemVer): { affected: true; fixed?: string } {
  let best: semver.SemVer | null = null;
  for (const range of Array.isArray(affected.ranges) ? affected.ranges : []) {
    for (const p of points(range.events) ?? []) {
      if (p.kind !== "fixed" || p.at === "zero" || p.at.compare(v) <= 0) continue;
      if (!best || p.at.compare(best) < 0) best = p.at;
    }
  }
  return best ? { ...result, fixed: best.version } : result;
}

const LABELS: Record<string, Severity> = { CRITICAL: "critical", HIGH: "high", MODERATE: "medium", MEDIUM: "medium", LOW: "low" };

/** database_specific.severity (GitHub's labels), else a CVSS v3 vector's base score, else medium. */
export function severityOf(advisory: OsvAdvisory, affected: OsvAffected): Severity {
  const label = advisory.database_specific?.severity ?? affected.database_specific?.severity;
  if (typeof label === "string" && LABELS[label.toUpperCase()]) return LABELS[label.toUpperCase()]!;
  for (const s of Array.isArray(advisory.severity) ? advisory.severity : []) {
    const score = typeof s?.score === "string" ? (cvss3BaseScore(s.score) ?? numeric(s.score)) : null;
    if (score === null) continue;
    if (score >= 9) return "critical";
    if (score >= 7) return "high";
    if (score >= 4) return "medium";
    return "low";
  }
  return "medium";
}

function numeric(s: string): number | null {
  const n = Number(s);
  return Number.isFinite(n) && n >= 0 && n <= 10 ? n : null;
}

// Suppressions: a rule, a path and a written justification, all three required. A suppression
// matches by rule id (or an id prefix ending in `*`) and by path (a file, a directory ending in
// `/`, or a glob where `*` stays within a segment and `**` crosses them).
import { BulwarkError } from "../core/errors.ts";
import type { Finding, Suppression, SuppressedFinding } from "./types.ts";

export function validateSuppressions(value: unknown): Suppression[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new BulwarkError("BWK_INVALID_ARGUMENT", "suppressions must be a list");
  return value.map((s, i) => {
    const where = `suppressions[${i}]`;
    if (typeof s !== "object" || s === null) throw new BulwarkError("BWK_INVALID_ARGUMENT", `${where} must be an object`);
    const { rule, path, justification } = s as Record<string, unknown>;
    if (typeof rule !== "string" || !/^[\w.-]+\/[\w.*-]*$/.test(rule) || rule.startsWith("*"))
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `${where}.rule must be a rule id such as taint/sql-injection or dependency/*`);
    if (typeof path !== "string" || path.trim() === "")
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `${where}.path must name a file, directory or glob`);
    if (typeof justification !== "string" || justification.trim().length < 10)
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `${where}.justification must explain in words why the finding is accepted`);
    return { rule, path, justification: justification.trim() };
  });
}

export function ruleMatches(pattern: string, ruleId: string): boolean {
  return pattern.endsWith("*") ? ruleId.startsWith(pattern.slice(0, -1)) : pattern === ruleId;
}

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*" && glob[i + 1] === "*") {
      re += ".*";
      i++;
      if (glob[i + 1] === "/") i++;
    } else if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else re += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export function pathMatches(pattern: string, file: string): boolean {
  const p = pattern.replace(/^\.\//, "");
  if (p.endsWith("/")) return file.startsWith(p);
  if (p.includes("*") || p.includes("?")) return globToRegExp(p).test(file);
  return p === file;
}

export function applySuppressions(
  findings: readonly Finding[],
  suppressions: readonly Suppression[],
): { findings: Finding[]; suppressed: SuppressedFinding[] } {
  const kept: Finding[] = [];
  const suppressed: SuppressedFinding[] = [];
  for (const f of findings) {
    const s = suppressions.find((x) => ruleMatches(x.rule, f.ruleId) && pathMatches(x.path, f.file));
    if (s) suppressed.push({ finding: f, justification: s.justification });
    else kept.push(f);
  }
  return { findings: kept, suppressed };
}

// Matches a lockfile's packages against the advisory index: one finding per installed copy
// (nested copies too) per advisory, at the package's line in the lockfile.
import type { Finding } from "../types.ts";
import type { Lockfile } from "./lockfile.ts";
import { type AdvisoryIndex, affects, severityOf } from "./osv.ts";

/** CWE-1395: Dependency on Vulnerable Third-Party Component. */
const DEFAULT_CWE = "CWE-1395";

export function auditLockfile(lock: Lockfile, index: AdvisoryIndex, file: string, lines: ReadonlyMap<string, number>): Finding[] {
  const findings: Finding[] = [];
  for (const pkg of lock.packages) {
    for (const { advisory, affected } of index.get(pkg.name) ?? []) {
      const hit = affects(affected, pkg.version);
      if (!hit.affected) continue;
      const aliases = (Array.isArray(advisory.aliases) ? advisory.aliases : []).filter((a): a is string => typeof a === "string");
      const cwe = (advisory.database_specific?.cwe_ids ?? affected.database_specific?.cwe_ids ?? []).find((c) => /^CWE-\d+$/.test(c));
      const named = aliases.length > 0 ? `${advisory.id} (${aliases.join(", ")})` : advisory.id;
      const summary = typeof advisory.summary === "string" ? `: ${advisory.summary.slice(0, 200)}` : "";
      findings.push({
        ruleId: `dependency/${advisory.id}`,
        severity: severityOf(advisory, affected),
        cwe: cwe ?? DEFAULT_CWE,
        message: `${pkg.name} ${pkg.version} is affected by ${named}${summary}${hit.fixed ? `; fixed in ${hit.fixed}` : "; no fixed version"}`,
        file,
        line: lines.get(pkg.lockPath) ?? 1,
        column: 1,
        path: [],
        fix: hit.fixed
          ? `Upgrade ${pkg.name} to ${hit.fixed} or later (an "overrides" entry in package.json reaches nested copies).`
          : `No fixed version of ${pkg.name} exists: replace or remove it.`,
        dependency: {
          package: pkg.name,
          installed: pkg.version,
          ...(hit.fixed ? { fixed: hit.fixed } : {}),
          advisory: advisory.id,
          aliases,
          lockPath: pkg.lockPath,
        },
      });
    }
  }
  return findings;
}

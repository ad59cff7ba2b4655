// Manifest lint for `permissions:` blocks, run at deploy by scan/ and by `policy suggest`.
// Findings name the field as a path inside the block (`permissions.kv.ledger[1]`); the caller
// prefixes the function (`functions.charge.`). Rules:
// - wildcard-grant: `*.domain:port` lets the function reach any host its domain's owner (or
//   whoever can create a subdomain there) names (CWE-918). High when the domain is a single
//   label (`*.com`, `*.internal`), medium otherwise.
// - unknown-target: a secret or function that does not exist: a typo, or a grant waiting for
//   whoever creates that name later. Medium.
// - unused-grant: given recorded calls, a grant never exercised (least privilege). Low.

import { type EgressTarget, grantCovers, parseEgressGrant, parseEgressTarget } from "./egress-grant.ts";
import { minimalPermissions } from "./minimal.ts";
import type { Permissions, RecordedCall } from "./types.ts";

export type LintRule = "wildcard-grant" | "unknown-target" | "unused-grant";
export type Severity = "high" | "medium" | "low";

export interface LintFinding {
  rule: LintRule;
  severity: Severity;
  field: string;
  message: string;
}

export interface LintContext {
  knownSecrets: readonly string[];
  knownFunctions: readonly string[];
  /** Calls the function made (e.g. from the audit log); without them unused-grant is not checked. */
  usedCalls?: readonly RecordedCall[];
}

export function lintPermissions(permissions: Permissions, context: LintContext): LintFinding[] {
  const findings: LintFinding[] = [];
  const used = context.usedCalls === undefined ? undefined : minimalPermissions(context.usedCalls);
  const unused = (field: string, grant: string): void => {
    findings.push({ rule: "unused-grant", severity: "low", field, message: `${grant} is granted but never used` });
  };

  (permissions.secrets ?? []).forEach((name, i) => {
    const field = `permissions.secrets[${i}]`;
    if (!context.knownSecrets.includes(name)) {
      findings.push({ rule: "unknown-target", severity: "medium", field, message: `no secret named ${name} exists` });
    }
    if (used && !used.secrets?.includes(name)) unused(field, `secret ${name}`);
  });

  for (const section of ["kv", "objects"] as const) {
    for (const [name, rights] of Object.entries(permissions[section] ?? {})) {
      rights.forEach((right, i) => {
        if (used && !used[section]?.[name]?.includes(right)) {
          unused(`permissions.${section}.${name}[${i}]`, `${right} on ${section === "kv" ? "KV namespace" : "bucket"} ${name}`);
        }
      });
    }
  }

  (permissions.invoke ?? []).forEach((name, i) => {
    const field = `permissions.invoke[${i}]`;
    if (!context.knownFunctions.includes(name)) {
      findings.push({ rule: "unknown-target", severity: "medium", field, message: `no function named ${name} exists` });
    }
    if (used && !used.invoke?.includes(name)) unused(field, `invoking ${name}`);
  });

  const reached = (used?.egress ?? []).map(parseEgressTarget).filter((t): t is EgressTarget => t !== null);
  (permissions.egress ?? []).forEach((text, i) => {
    const field = `permissions.egress[${i}]`;
    const grant = parseEgressGrant(text);
    if (grant === null) return;
    if (grant.wildcard) {
      findings.push({
        rule: "wildcard-grant",
        severity: grant.host.includes(".") ? "medium" : "high",
        field,
        message: `egress ${text} allows any host under ${grant.host}; name the hosts`,
      });
    }
    if (used && !reached.some((target) => grantCovers(grant, target))) unused(field, `egress to ${text}`);
  });
  return findings;
}

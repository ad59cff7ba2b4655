// Least privilege as pure functions: the manifest's `permissions:` grammar, compiled policies,
// per-call decisions, `policy suggest` and lint. The broker and scan/ import from here.

export { compilePolicy, type Policy, type PolicyOptions } from "./compile.ts";
export {
  type EgressGrant,
  type EgressTarget,
  egressResource,
  grantCovers,
  parseEgressGrant,
  parseEgressTarget,
} from "./egress-grant.ts";
export { evaluate } from "./evaluate.ts";
export { type LintContext, type LintFinding, type LintRule, lintPermissions, type Severity } from "./lint.ts";
export { minimalPermissions } from "./minimal.ts";
export { partitionedName, tenantPartition } from "./partition.ts";
export {
  EGRESS_GRANT_PATTERN,
  EGRESS_TARGET_PATTERN,
  FUNCTION_NAME_PATTERN,
  NAMESPACE_PATTERN,
  SECRET_NAME_PATTERN,
  TENANT_PATTERN,
} from "./names.ts";
export { MAX_GRANTS_PER_SECTION, permissionsSchema } from "./schema.ts";
export {
  ACTIONS,
  type Action,
  type Decision,
  type DenyReason,
  isAction,
  type Permissions,
  type PolicyRequest,
  type RecordedCall,
  type Right,
  RIGHTS,
} from "./types.ts";

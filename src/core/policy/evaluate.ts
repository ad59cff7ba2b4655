// The broker asks this on every capability call. Default deny: a call is allowed only when its
// action is known, its resource is a well-formed name (whole-string match, no prefixes, case
// counts) and a grant names exactly that resource and right.
//
// Tenant isolation: a policy compiled with `tenant` serves that one tenant. A request must carry
// the same tenant (the broker sets it from the invocation's verified identity), and KV namespaces
// and buckets resolve to `tenants/<tenant>/<name>`, so two tenants' `ledger` never share keys.
// Secrets, invoke and egress are not partitioned: they are the app's, whatever the tenant.

import type { Policy } from "./compile.ts";
import { grantCovers, parseEgressTarget } from "./egress-grant.ts";
import { tenantPartition } from "./partition.ts";
import { RESOURCES } from "./resource.ts";
import { ACTIONS, type Decision, isAction, type PolicyRequest } from "./types.ts";

export function evaluate(policy: Policy, request: PolicyRequest): Decision {
  const { fn } = policy;
  const { action, resource, tenant } = request;
  if (!isAction(action)) {
    return { allowed: false, reason: "unknown-action", message: `${fn} called ${quote(action)}, which is not an action` };
  }
  if (policy.tenant !== undefined && tenant === undefined) {
    return { allowed: false, reason: "tenant-required", message: `${fn} runs with tenant isolation; ${action} needs a tenant` };
  }
  if (policy.tenant !== undefined && tenant !== policy.tenant) {
    return {
      allowed: false,
      reason: "tenant-mismatch",
      message: `${fn} serves tenant ${policy.tenant}; ${action} came for tenant ${quote(tenant)}`,
    };
  }
  const spec = ACTIONS[action];
  const { noun, form, valid } = RESOURCES[spec.section];
  if (!valid(resource)) {
    return {
      allowed: false,
      reason: "invalid-resource",
      message: `${fn} called ${action} with ${quote(resource)}, which is not a valid ${form}`,
    };
  }
  const denied = (verb: string, missing: string): Decision => ({
    allowed: false,
    reason: "not-granted",
    missing,
    message: `${fn} may not ${verb} ${noun} ${resource}; grant it with ${missing}`,
  });

  switch (spec.section) {
    case "secrets":
      if (policy.secrets.has(resource)) return { allowed: true, resource };
      return denied("read", `secrets: [${resource}]`);
    case "invoke":
      if (policy.invoke.has(resource)) return { allowed: true, resource };
      return denied("invoke the", `invoke: [${resource}]`);
    case "egress": {
      const target = parseEgressTarget(resource);
      if (target !== null && policy.egress.some((grant) => grantCovers(grant, target))) return { allowed: true, resource };
      return denied("connect to", `egress: [${JSON.stringify(resource)}]`);
    }
    case "kv":
    case "objects":
      if (policy[spec.section].get(resource)?.has(spec.right)) {
        return { allowed: true, resource: policy.tenant === undefined ? resource : tenantPartition(policy.tenant, resource) };
      }
      return denied(spec.right, `${spec.section}: { ${resource}: [${spec.right}] }`);
  }
}

// Requests come from untrusted function code: print them escaped and bounded (CWE-117).
function quote(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value.slice(0, 80)) : `a ${typeof value}`;
}

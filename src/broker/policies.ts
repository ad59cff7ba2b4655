// The compiled policy of every serving function version, built when the platform switches
// versions (Platform#refresh), never per call. The previous generation is kept too, so a sandbox
// of a version replaced mid-invocation finishes under the grants it was deployed with.
// Under tenant isolation each tenant's policy is compiled once, on its first call, and cached.
import { compilePolicy, type Policy } from "../core/policy/index.ts";
import type { FunctionSpec } from "../core/manifest/types.ts";
import type { FunctionVersion } from "../store/state.ts";

const MAX_TENANT_POLICIES = 10_000;

export interface CompiledFunction {
  spec: FunctionSpec;
  policy: Policy;
  /** The egress grants as written, for address.ts. */
  egress: readonly string[];
  /** Per-tenant policies, filled on demand. */
  tenants: Map<string, Policy>;
}

export class PolicyTable {
  #current = new Map<string, CompiledFunction>();
  #previous = new Map<string, CompiledFunction>();

  /** Compiles the serving versions; a block that does not compile denies everything. */
  setActive(versions: readonly FunctionVersion[]): void {
    const next = new Map<string, CompiledFunction>();
    for (const v of versions) {
      const key = keyOf(v.function, v.version);
      next.set(key, this.#current.get(key) ?? compile(v.spec));
    }
    this.#previous = this.#current;
    this.#current = next;
  }

  lookup(fn: string, version: number): CompiledFunction | undefined {
    const key = keyOf(fn, version);
    return this.#current.get(key) ?? this.#previous.get(key);
  }

  /**
   * The policy for one owner: the function's own, or its tenant's under tenant isolation.
   * Undefined when a tenant-isolated function has no tenant: nothing is allowed then, never the
   * unpartitioned namespaces.
   */
  policyFor(compiled: CompiledFunction, tenant: string | undefined): Policy | undefined {
    if (compiled.spec.isolation === undefined) return compiled.policy;
    if (tenant === undefined) return undefined;
    let policy = compiled.tenants.get(tenant);
    if (policy === undefined) {
      if (compiled.tenants.size >= MAX_TENANT_POLICIES) compiled.tenants.clear();
      policy = compilePolicy(compiled.spec.name, compiled.spec.permissions ?? {}, { tenant });
      compiled.tenants.set(tenant, policy);
    }
    return policy;
  }

  /** Every serving function's spec (for lint). */
  specs(): FunctionSpec[] {
    return [...this.#current.values()].map((c) => c.spec);
  }
}

function compile(spec: FunctionSpec): CompiledFunction {
  let policy: Policy;
  try {
    policy = compilePolicy(spec.name, spec.permissions ?? {});
  } catch {
    // The manifest boundary validated the block with the same grammar; a stored spec that no
    // longer compiles (edited database, older grammar) grants nothing rather than something.
    policy = compilePolicy(spec.name, {});
  }
  return { spec, policy, egress: spec.permissions?.egress ?? [], tenants: new Map() };
}

function keyOf(fn: string, version: number): string {
  return `${fn}@${version}`;
}

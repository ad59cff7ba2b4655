// Turns a function's `permissions:` block into lookup sets, once per sandbox. The block was
// validated against permissionsSchema at the manifest boundary; compilePolicy checks it again with
// the same grammar because a grant it misreads is a hole: `kv: { ledger: "write" }` must be
// refused, not read as a string that happens to include "write".

import { BulwarkError } from "../errors.ts";
import { type EgressGrant, parseEgressGrant } from "./egress-grant.ts";
import { FUNCTION_NAME, NAMESPACE, SECRET_NAME, TENANT } from "./names.ts";
import { MAX_GRANTS_PER_SECTION } from "./schema.ts";
import { type Permissions, type Right, RIGHTS } from "./types.ts";

export interface Policy {
  /** The function the policy belongs to, for messages. */
  readonly fn: string;
  /** Set under tenant isolation: the one tenant this policy serves. */
  readonly tenant: string | undefined;
  readonly secrets: ReadonlySet<string>;
  readonly kv: ReadonlyMap<string, ReadonlySet<Right>>;
  readonly objects: ReadonlyMap<string, ReadonlySet<Right>>;
  readonly invoke: ReadonlySet<string>;
  readonly egress: readonly EgressGrant[];
}

export interface PolicyOptions {
  /**
   * Tenant isolation: the tenant this function's sandbox serves (one-sandbox-per-tenant mode).
   * Every request must then carry this same tenant, and KV namespaces and buckets resolve to
   * `tenants/<tenant>/<name>` (see evaluate).
   */
  tenant?: string;
}

export function compilePolicy(fn: string, permissions: Permissions, options: PolicyOptions = {}): Policy {
  const where = `function ${fn}: permissions`;
  if (options.tenant !== undefined && !TENANT.test(options.tenant)) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `${where}: tenant id must match ${TENANT.source}`);
  }
  const block: Record<string, unknown> = record(permissions, where);
  for (const section of Object.keys(block)) {
    if (!["secrets", "kv", "objects", "invoke", "egress"].includes(section)) {
      invalid(`${where}.${JSON.stringify(section)}`, "is not a permission section (secrets, kv, objects, invoke, egress)");
    }
  }
  return {
    fn,
    tenant: options.tenant,
    secrets: new Set(names(block.secrets, `${where}.secrets`, SECRET_NAME, "secret name")),
    kv: namespaceRights(block.kv, `${where}.kv`),
    objects: namespaceRights(block.objects, `${where}.objects`),
    invoke: new Set(names(block.invoke, `${where}.invoke`, FUNCTION_NAME, "function name")),
    egress: egressGrants(block.egress, `${where}.egress`),
  };
}

function names(value: unknown, where: string, pattern: RegExp, what: string): string[] {
  if (value === undefined) return [];
  return array(value, where).map((name, i) => {
    if (typeof name !== "string" || !pattern.test(name)) invalid(`${where}[${i}]`, `is not a valid ${what}`);
    return name;
  });
}

function egressGrants(value: unknown, where: string): EgressGrant[] {
  if (value === undefined) return [];
  return array(value, where).map((text, i) => {
    const grant = typeof text === "string" ? parseEgressGrant(text) : null;
    if (grant === null) invalid(`${where}[${i}]`, "must be host:port, *.domain:port, IPv4:port or [IPv6]:port");
    return grant;
  });
}

function namespaceRights(value: unknown, where: string): Map<string, Set<Right>> {
  const compiled = new Map<string, Set<Right>>();
  if (value === undefined) return compiled;
  const entries = Object.entries(record(value, where));
  if (entries.length > MAX_GRANTS_PER_SECTION) invalid(where, `has more than ${MAX_GRANTS_PER_SECTION} entries`);
  for (const [name, rights] of entries) {
    if (!NAMESPACE.test(name)) invalid(`${where}.${JSON.stringify(name)}`, "is not a valid namespace name");
    const list = array(rights, `${where}.${name}`);
    if (list.length === 0) invalid(`${where}.${name}`, "grants no rights; list read and/or write");
    list.forEach((right, i) => {
      if (!RIGHTS.includes(right as Right)) invalid(`${where}.${name}[${i}]`, "must be read or write");
    });
    compiled.set(name, new Set(list as Right[]));
  }
  return compiled;
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) invalid(where, "must be a mapping");
  return value as Record<string, unknown>;
}

function array(value: unknown, where: string): unknown[] {
  if (!Array.isArray(value)) invalid(where, "must be a list");
  const list = value as unknown[];
  if (list.length > MAX_GRANTS_PER_SECTION) invalid(where, `has more than ${MAX_GRANTS_PER_SECTION} entries`);
  if (new Set(list).size !== list.length) invalid(where, "lists an entry twice");
  return list;
}

function invalid(where: string, problem: string): never {
  throw new BulwarkError("BWK_MANIFEST_INVALID", `${where} ${problem}`);
}

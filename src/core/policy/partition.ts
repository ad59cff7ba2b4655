// Under tenant isolation a KV namespace or bucket `<name>` resolves to one partition per tenant,
// `tenants/<tenant>/<name>`. The form is written once here: evaluate builds partitions with it, and
// the stores count every tenant's partition toward its `<name>` as a whole, so tenants a caller
// may name freely (a header, a claim it controls) cannot multiply what one namespace holds.

const PREFIX = "tenants/";

export function tenantPartition(tenant: string, name: string): string {
  return `${PREFIX}${tenant}/${name}`;
}

/** The namespace or bucket a tenant's partition belongs to; undefined for any other resource. */
export function partitionedName(partition: string): string | undefined {
  if (!partition.startsWith(PREFIX)) return undefined;
  // Tenant ids hold no `/` (names.ts TENANT_PATTERN): the first one after the prefix ends the tenant.
  const slash = partition.indexOf("/", PREFIX.length);
  return slash < 0 ? undefined : partition.slice(slash + 1);
}

// What one value, one namespace and one outbound request may hold. A broker reply crosses the
// sandbox channel as one frame (protocol.ts, 8 MiB of JSON) with bytes in base64, so objects and
// fetch bodies stop at 5 MiB: 5 MiB in base64 plus framing fits, 6 MiB would not.
import { KV_VALUE_MAX_BYTES } from "../core/keys.ts";
import { partitionedName } from "../core/policy/index.ts";
import type { Quota, SharedQuota } from "../store/sealed.ts";

export interface BrokerLimits {
  secretMaxBytes: number;
  /** Versions kept per secret; older ones are deleted on rotate. */
  secretVersionsKept: number;
  kvValueMaxBytes: number;
  /** A namespace's, its tenants' partitions together; and each tenant's partition's own. */
  kvQuota: Quota;
  objectMaxBytes: number;
  /** A bucket's, its tenants' partitions together; and each tenant's partition's own. */
  objectQuota: Quota;
  /**
   * Tenants' partitions one namespace or bucket may hold. The tenant comes from a header or claim
   * the caller may control: each new one would otherwise be a usage row and a partition for free.
   */
  tenantPartitionsMax: number;
  /** Most keys one list call returns. */
  listMax: number;
  /** Longest an egress request may take; never longer than what is left of its invocation. */
  fetchTimeoutMs: number;
  fetchRequestMaxBytes: number;
  fetchResponseMaxBytes: number;
  /**
   * ctx.invoke hops one request may nest: A→B is 1. A chain that calls itself (A→B→A→…) would
   * otherwise hold a sandbox per hop until the pools are exhausted (CWE-674, CWE-400).
   */
  invokeDepthMax: number;
}

export const DEFAULT_LIMITS: BrokerLimits = {
  secretMaxBytes: 64 * 1024,
  secretVersionsKept: 10,
  kvValueMaxBytes: KV_VALUE_MAX_BYTES,
  kvQuota: { maxEntries: 100_000, maxBytes: 256 * 1024 * 1024 },
  objectMaxBytes: 5 * 1024 * 1024,
  objectQuota: { maxEntries: 100_000, maxBytes: 2 * 1024 * 1024 * 1024 },
  tenantPartitionsMax: 10_000,
  listMax: 1000,
  fetchTimeoutMs: 10_000,
  fetchRequestMaxBytes: 5 * 1024 * 1024,
  fetchResponseMaxBytes: 5 * 1024 * 1024,
  invokeDepthMax: 8,
};

/** What a write to `partition` also counts toward: its namespace as a whole, if it is a tenant's partition. */
export function sharedQuotaOf(partition: string, quota: Quota, limits: BrokerLimits): SharedQuota | undefined {
  const scope = partitionedName(partition);
  return scope === undefined ? undefined : { scope, quota, maxPartitions: limits.tenantPartitionsMax };
}

// The KV port: encrypted values by (namespace, key). `namespace` is what policy evaluation
// returned (`ledger`, or `tenants/<tenant>/ledger` under tenant isolation): the store treats it as
// an opaque partition and never derives one from a key. Keys were validated by core/keys.ts.
import type { Quota, SealedValue, SharedQuota, Usage } from "./sealed.ts";

export interface KvStore {
  get(namespace: string, key: string): SealedValue | undefined;
  /**
   * Inserts or replaces; `bytes` is the value's plaintext size, counted against the quota with the
   * key's own bytes. Throws BWK_LIMIT_EXCEEDED (and writes nothing) when the namespace would exceed
   * `quota`, or a tenant's partition its `shared` namespace's (sealed.ts SharedQuota).
   */
  put(namespace: string, key: string, value: SealedValue, bytes: number, quota: Quota, shared?: SharedQuota): void;
  /** True if the key existed. `shared`: the namespace a tenant's partition counts in, as put was given it. */
  delete(namespace: string, key: string, shared?: string): boolean;
  /** Keys starting with `prefix`, in code-unit order, at most `limit`. */
  list(namespace: string, prefix: string, limit: number): string[];
  /** A tenant's partition's own; a namespace's includes its tenants' partitions. */
  usage(namespace: string): Usage;
}

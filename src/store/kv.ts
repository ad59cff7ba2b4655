// The KV port: encrypted values by (namespace, key). `namespace` is what policy evaluation
// returned (`ledger`, or `tenants/<tenant>/ledger` under tenant isolation): the store treats it as
// an opaque partition and never derives one from a key. Keys were validated by core/keys.ts.
import type { Quota, SealedValue, Usage } from "./sealed.ts";

export interface KvStore {
  get(namespace: string, key: string): SealedValue | undefined;
  /**
   * Inserts or replaces; `bytes` is the plaintext size counted against the quota. Throws
   * BWK_LIMIT_EXCEEDED (and writes nothing) when the namespace would exceed `quota`.
   */
  put(namespace: string, key: string, value: SealedValue, bytes: number, quota: Quota): void;
  /** True if the key existed. */
  delete(namespace: string, key: string): boolean;
  /** Keys starting with `prefix`, in code-unit order, at most `limit`. */
  list(namespace: string, prefix: string, limit: number): string[];
  usage(namespace: string): Usage;
}

// The objects port: encrypted objects by (bucket, key). As for KV, `bucket` is what policy
// evaluation returned and is an opaque partition; keys were validated by core/keys.ts.
import type { Quota, SealedValue, SharedQuota, Usage } from "./sealed.ts";

export interface ObjectStore {
  get(bucket: string, key: string): SealedValue | undefined;
  /** Writes atomically: a reader sees the old object or the new one, never a part. Quotas as for KV (kv.ts). */
  put(bucket: string, key: string, value: SealedValue, bytes: number, quota: Quota, shared?: SharedQuota): void;
  delete(bucket: string, key: string, shared?: string): boolean;
  list(bucket: string, prefix: string, limit: number): string[];
  usage(bucket: string): Usage;
}

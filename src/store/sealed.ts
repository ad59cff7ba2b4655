// What the encrypted stores keep per value: the wrapped data key and the ciphertext of
// broker/crypto/envelope.ts. Stores never see plaintext, keys or the master key.

export interface SealedValue {
  wrappedKey: Buffer;
  ciphertext: Buffer;
}

/** How much a namespace or bucket may hold; enforced by the store in the same transaction as the write. */
export interface Quota {
  maxEntries: number;
  maxBytes: number;
}

/**
 * The namespace or bucket a tenant's partition is part of (`ledger` for `tenants/<t>/ledger`): a
 * write to the partition also counts there, against `quota` for everything the namespace holds
 * (its own keys and every tenant's), and opens at most `maxPartitions` tenants' partitions.
 */
export interface SharedQuota {
  scope: string;
  quota: Quota;
  maxPartitions: number;
}

export interface Usage {
  entries: number;
  bytes: number;
}

// The API key port: keys for calling `auth: apiKey` routes. Only a key's SHA-256 hash is stored
// (people/tokens.ts hashToken), never the key: a leaked database yields nothing to call with.
// One interface here; adapters live in sqlite/ (and postgres/ for scale-out).
import type { KeyScope } from "../core/auth/api-keys.ts";

export interface ApiKeyRecord {
  name: string;
  /** The key's first characters ("bwk_AbCd"): enough to recognise it, useless to guess it. */
  prefix: string;
  scope: KeyScope;
  /** Roles the key's calls carry, checked against a route's `roles:`. */
  roles: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

export interface ApiKeyStore {
  /** Stores a new key under its hash; throws BWK_INVALID_ARGUMENT if the name is taken (revoked keys keep theirs). */
  insert(record: ApiKeyRecord, hash: string): void;
  /**
   * The key with this hash, revoked or not, read from the store on every call: there is no cache
   * that could outlive a revocation. An index lookup by hash is also the constant-time comparison:
   * what varies with the attacker's guess is a hash they cannot steer.
   */
  findByHash(hash: string): ApiKeyRecord | undefined;
  list(): ApiKeyRecord[];
  /** Marks the key revoked (once: a second revoke keeps the first time); undefined if no key has that name. */
  revoke(name: string, at: string): ApiKeyRecord | undefined;
}

// The secrets port: versioned, encrypted secret values by name. Version numbers only grow, even
// across `rm` and a later `set`, so an old ciphertext can never be presented as a newer version
// (the version is bound into each value's AAD).
import type { SealedValue } from "./sealed.ts";

export interface SecretVersion extends SealedValue {
  name: string;
  version: number;
  createdAt: string;
}

export interface SecretSummary {
  name: string;
  /** The current version. */
  version: number;
  /** How many versions are kept. */
  versions: number;
  updatedAt: string;
}

export interface SecretStore {
  /** The newest version of a secret that exists, or undefined. */
  latest(name: string): SecretVersion | undefined;
  /**
   * Adds the next version of `name` in one transaction: `seal` receives the version number (for
   * the AAD) and returns the sealed value. `mode` "create" fails with BWK_INVALID_ARGUMENT if the
   * secret exists, "rotate" with BWK_NOT_FOUND if it does not. Returns the new version.
   */
  add(name: string, mode: "create" | "rotate", seal: (version: number) => SealedValue): number;
  /** Deletes every version; true if the secret existed. */
  remove(name: string): boolean;
  list(): SecretSummary[];
  /** Drops all but the newest `keep` versions of `name`. */
  prune(name: string, keep: number): void;
}

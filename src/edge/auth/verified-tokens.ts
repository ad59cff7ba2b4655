// Tokens that already passed verification, so a client sending the same bearer token on every
// request pays for one signature check (an ES256 verify is about 0.3 ms) rather than one per
// request. Only successes are kept: a forged or expired token is checked in full every time.
//
// Keys are SHA-256 digests of the token, never the token itself, so the cache holds no credential.
// An entry lives until the token's own `exp` (no clock-skew grace: after it the full check, with
// its tolerance, decides) and never longer than `maxAgeMs`, which bounds how long a key the issuer
// withdrew from its JWKS keeps a token valid here. The cache belongs to one verifier, that is one
// `jwt:` config: a deploy that changes the config starts from empty.
import { createHash } from "node:crypto";

export interface VerifiedTokensOptions {
  /** Most tokens kept; the oldest is dropped to make room (default 10,000). */
  maxEntries?: number;
  /** Longest an entry is trusted, whatever its `exp` (default 60 s). */
  maxAgeMs?: number;
}

interface Entry<T> {
  value: T;
  until: number;
}

export class VerifiedTokens<T> {
  readonly #entries = new Map<string, Entry<T>>();
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;

  constructor(options: VerifiedTokensOptions = {}) {
    this.#maxEntries = options.maxEntries ?? 10_000;
    this.#maxAgeMs = options.maxAgeMs ?? 60_000;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** What the token verified to, if it did within the entry's lifetime. */
  get(token: string, now = Date.now()): T | undefined {
    const key = digest(token);
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (now >= entry.until) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Keeps a verified token until `expSeconds` (its `exp` claim) or the age bound, whichever is first. */
  set(token: string, value: T, expSeconds: number, now = Date.now()): void {
    const until = Math.min(expSeconds * 1000, now + this.#maxAgeMs);
    if (!(until > now)) return;
    const key = digest(token);
    this.#entries.delete(key);
    if (this.#entries.size >= this.#maxEntries) this.#dropOldest();
    this.#entries.set(key, { value, until });
  }

  /** Map order is insertion order: the first entry is the oldest. */
  #dropOldest(): void {
    const oldest = this.#entries.keys().next();
    if (!oldest.done) this.#entries.delete(oldest.value);
  }
}

function digest(token: string): string {
  return createHash("sha256").update(token).digest("base64url");
}

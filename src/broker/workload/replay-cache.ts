// Token ids seen, until their token expires: a workload token is accepted once (RFC 7519 §4.1.7).
// Bounded: expired ids are dropped first; if the cache is still full the token is refused (fail
// closed) rather than forgetting an id that could then be replayed.
import { BulwarkError } from "../../core/errors.ts";

export class ReplayCache {
  readonly #max: number;
  /** jti → expiry (epoch seconds), in insertion order. */
  readonly #seen = new Map<string, number>();

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#seen.size;
  }

  /** Records `jti` until `exp`; false if it was already seen (a replay). */
  remember(jti: string, exp: number, nowSeconds: number): boolean {
    if (this.#seen.has(jti)) {
      if ((this.#seen.get(jti) ?? 0) >= nowSeconds) return false;
      this.#seen.delete(jti);
    }
    if (this.#seen.size >= this.#max) this.#evictExpired(nowSeconds);
    if (this.#seen.size >= this.#max) {
      throw new BulwarkError("BWK_OVERLOADED", "too many function-to-function calls in flight to track their tokens", {
        headers: { "retry-after": "1" },
      });
    }
    this.#seen.set(jti, exp);
    return true;
  }

  #evictExpired(nowSeconds: number): void {
    for (const [jti, exp] of this.#seen) {
      if (exp < nowSeconds) this.#seen.delete(jti);
    }
  }
}

// Token-bucket rate limiting keyed by a string (an IP, an API key id, a route), with bounded memory.
// Keys are attacker-chosen (rotating source addresses), so the table is capped: a Map kept in
// least-recently-used order, where buckets that have refilled completely are dropped for free
// (a full bucket and no bucket behave the same) and, at the cap, the least recently used bucket
// is evicted. An attacker flooding new keys can only push out keys that have gone quiet.
import { BulwarkError } from "./errors.ts";

export interface RateLimiterOptions {
  /** Burst size: tokens a new or rested key starts with. */
  capacity: number;
  /** Tokens added back per second. */
  refillPerSecond: number;
  /** Most keys tracked at once. */
  maxKeys: number;
  /** Clock in epoch ms, used when take() is not given a time. Defaults to Date.now. */
  now?: () => number;
}

export type RateDecision = { ok: true } | { ok: false; retryAfterSeconds: number };

export interface RateLimiter {
  /** Spends `cost` tokens (default 1) from the key's bucket, or says when to retry (RFC 9110 §10.2.3). */
  take(key: string, now?: number, cost?: number): RateDecision;
  /** Keys currently tracked. */
  readonly size: number;
}

/** Keys are built by the platform (e.g. "ip:203.0.113.7"), never taken whole from a request. */
const MAX_KEY_LENGTH = 512;
/** Buckets checked for having refilled on each take: amortised cleanup, O(1) per call. */
const SWEEP_PER_TAKE = 2;

interface Bucket {
  tokens: number;
  at: number;
}

export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  const { capacity, refillPerSecond, maxKeys } = options;
  requirePositive("capacity", capacity);
  requirePositive("refillPerSecond", refillPerSecond);
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "rate limiter maxKeys must be a positive integer");
  }
  const clock = options.now ?? Date.now;
  const refillPerMs = refillPerSecond / 1000;
  const buckets = new Map<string, Bucket>();

  const sweep = (now: number): void => {
    for (let i = 0; i < SWEEP_PER_TAKE; i++) {
      const oldest = buckets.entries().next();
      if (oldest.done) return;
      const { tokens, at } = oldest.value[1];
      if (tokens + (now - at) * refillPerMs < capacity) return;
      buckets.delete(oldest.value[0]);
    }
  };

  return {
    get size() {
      return buckets.size;
    },
    take(key, now = clock(), cost = 1) {
      if (key.length > MAX_KEY_LENGTH) {
        throw new BulwarkError("BWK_INVALID_ARGUMENT", `rate limit key is longer than ${MAX_KEY_LENGTH} characters`);
      }
      if (!(cost > 0 && cost <= capacity)) {
        throw new BulwarkError("BWK_INVALID_ARGUMENT", `rate limit cost must be above 0 and at most the capacity ${capacity}`);
      }
      if (!Number.isFinite(now)) throw new BulwarkError("BWK_INVALID_ARGUMENT", "rate limit time must be a finite number");
      sweep(now);
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { tokens: capacity, at: now };
        if (buckets.size >= maxKeys) {
          const lru = buckets.keys().next();
          if (!lru.done) buckets.delete(lru.value);
        }
      } else {
        // A clock that steps backwards refills nothing rather than minting tokens.
        const elapsed = now - bucket.at;
        if (elapsed > 0) {
          bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * refillPerMs);
          bucket.at = now;
        }
        buckets.delete(key); // re-inserted below: Map order is our LRU order
      }
      buckets.set(key, bucket);
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost;
        return { ok: true };
      }
      return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil((cost - bucket.tokens) / refillPerSecond)) };
    },
  };
}

function requirePositive(name: string, value: number): void {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `rate limiter ${name} must be a positive number`);
  }
}

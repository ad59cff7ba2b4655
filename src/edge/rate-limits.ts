// The app's rate limits as live token buckets: per client address, per API key, per JWT subject,
// and failed authentications per client address. An address that has spent its failure budget is
// refused outright until a token has refilled: guessing keys or passwords from one address costs
// time (CWE-307). Buckets survive a deploy that leaves the limits as they were.
import { clientNetwork } from "../core/ipaddr.ts";
import { PROTECTION_DEFAULTS, type AppLimits, type RateLimit, type RateSetting } from "../core/manifest/protection.ts";
import { createRateLimiter, type RateDecision, type RateLimiter } from "../core/ratelimit.ts";

/** Keys (addresses, keys, subjects) tracked per limiter; past this the least recently used go. */
const MAX_KEYS = 100_000;

export type LimitName = keyof AppLimits;

export interface Refusal {
  /** "override": an operator's per-function brake (`bulwark limits set --rate`). */
  limit: LimitName | "route" | "override";
  rate: string;
  retryAfterSeconds: number;
}

interface Bucket {
  limiter: RateLimiter;
  rate: RateLimit;
}

export class RateLimits {
  readonly #buckets: Partial<Record<LimitName, Bucket>>;
  /** Address → epoch ms until which it is refused for failing to authenticate. */
  readonly #blocked = new Map<string, number>();
  /** Same limits, same buckets: what a deploy compares to keep the buckets. */
  readonly signature: string;

  constructor(limits: AppLimits | undefined) {
    const effective = resolve(limits);
    this.signature = JSON.stringify(effective);
    this.#buckets = {};
    for (const [name, rate] of Object.entries(effective) as Array<[LimitName, RateSetting]>) {
      if (rate === "off") continue;
      this.#buckets[name] = { limiter: createRateLimiter({ capacity: rate.burst, refillPerSecond: rate.perSecond, maxKeys: MAX_KEYS }), rate };
    }
  }

  /**
   * One request from an address: refused while it is blocked for auth failures, or past its rate.
   * Addresses count by clientNetwork: an IPv6 client holds a whole /64 and could take a fresh
   * address, and so a fresh bucket, for every request (the control API's sign-in throttle counts the same way).
   */
  takeIp(address: string, now: number): Refusal | undefined {
    const ip = clientNetwork(address);
    const until = this.#blocked.get(ip);
    if (until !== undefined) {
      if (until > now) {
        const rate = this.#buckets.authFailuresPerIp?.rate.text ?? "";
        return { limit: "authFailuresPerIp", rate, retryAfterSeconds: Math.max(1, Math.ceil((until - now) / 1000)) };
      }
      this.#blocked.delete(ip);
    }
    return this.#take("perIp", `ip:${ip}`, now);
  }

  /** One request by an authenticated caller: its key or its subject. */
  takePrincipal(via: "apiKey" | "jwt", id: string, now: number): Refusal | undefined {
    return via === "apiKey" ? this.#take("perKey", `key:${id}`, now) : this.#take("perSubject", `sub:${id}`, now);
  }

  /** A failed authentication from an address; the one that empties its bucket blocks it. */
  noteAuthFailure(address: string, now: number): void {
    const bucket = this.#buckets.authFailuresPerIp;
    if (!bucket) return;
    const ip = clientNetwork(address);
    const decision = bucket.limiter.take(`ip:${ip}`, now);
    if (decision.ok) return;
    if (this.#blocked.size >= MAX_KEYS) this.#blocked.delete(this.#blocked.keys().next().value!);
    this.#blocked.delete(ip);
    this.#blocked.set(ip, now + decision.retryAfterSeconds * 1000);
  }

  #take(name: LimitName, key: string, now: number): Refusal | undefined {
    const bucket = this.#buckets[name];
    if (!bucket) return undefined;
    return refusal(bucket.limiter.take(key, now), name, bucket.rate);
  }
}

/** A route's own bucket, or a function's override bucket: one bucket shared by every caller. */
export class RouteBucket {
  readonly #limiter: RateLimiter;
  readonly #limit: "route" | "override";
  readonly rate: RateLimit;

  constructor(rate: RateLimit, limit: "route" | "override" = "route") {
    this.rate = rate;
    this.#limit = limit;
    this.#limiter = createRateLimiter({ capacity: rate.burst, refillPerSecond: rate.perSecond, maxKeys: 1 });
  }

  take(now: number): Refusal | undefined {
    return refusal(this.#limiter.take(this.#limit, now), this.#limit, this.rate);
  }
}

function refusal(decision: RateDecision, limit: Refusal["limit"], rate: RateLimit): Refusal | undefined {
  return decision.ok ? undefined : { limit, rate: rate.text, retryAfterSeconds: decision.retryAfterSeconds };
}

function resolve(limits: AppLimits | undefined): Record<LimitName, RateSetting> {
  return { ...PROTECTION_DEFAULTS.limits, ...limits };
}

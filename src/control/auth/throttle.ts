// Login throttling (CWE-307): LoginBackoff per user name and per client address, shared by password
// logins and second-factor checks (a 6-digit code is guessable without it, RFC 4226 §7.3). A key
// that reaches the lockout threshold is audited, logged and raised as an `auth.lockout` event.
import { BulwarkError } from "../../core/errors.ts";
import { clientNetwork } from "../../core/ipaddr.ts";
import { DEFAULT_BACKOFF_OPTIONS, LoginBackoff, type BackoffDecision, type BackoffOptions } from "../../core/people/backoff.ts";
import type { PeopleDeps, RequestFacts } from "./deps.ts";

export class LoginThrottle {
  readonly #backoff: LoginBackoff;
  readonly #maxDelayMs: number;
  readonly #deps: PeopleDeps;

  constructor(deps: PeopleDeps, options: Partial<BackoffOptions> = {}) {
    const merged = { ...DEFAULT_BACKOFF_OPTIONS, ...options };
    if (merged.lockoutMs <= merged.maxDelayMs) {
      // A lockout is told apart from an ordinary wait by being longer than any wait.
      throw new BulwarkError("BWK_INVALID_ARGUMENT", "the login lockout must last longer than the longest backoff");
    }
    this.#backoff = new LoginBackoff(merged);
    this.#maxDelayMs = merged.maxDelayMs;
    this.#deps = deps;
  }

  /** Refuses with 429 and Retry-After while the user or the address must wait. */
  check(user: string, facts: RequestFacts): void {
    const now = this.#deps.now();
    for (const key of keys(user, facts)) {
      const decision = this.#backoff.check(key, now);
      if (!decision.allowed) {
        throw new BulwarkError("BWK_LIMIT_EXCEEDED", `too many failed sign-ins: try again in ${decision.retryAfterSeconds} s`, {
          headers: { "retry-after": String(decision.retryAfterSeconds) },
          extra: { retryAfterSeconds: decision.retryAfterSeconds },
        });
      }
    }
  }

  /** Counts a failure for both keys, and reports a key that is now locked out. */
  fail(user: string, facts: RequestFacts): void {
    const now = this.#deps.now();
    for (const key of keys(user, facts)) {
      const decision = this.#backoff.recordFailure(key, now);
      if (this.#isLockout(decision)) this.#reportLockout(key, user, facts, decision.retryAfterSeconds);
    }
  }

  /** Clears the user's failures. The address keeps its count: see core/people/backoff.ts. */
  succeed(user: string): void {
    this.#backoff.recordSuccess(`user:${user}`);
  }

  #isLockout(decision: BackoffDecision): decision is { allowed: false; retryAfterSeconds: number } {
    return !decision.allowed && decision.retryAfterSeconds * 1000 > this.#maxDelayMs;
  }

  #reportLockout(key: string, user: string, facts: RequestFacts, retryAfterSeconds: number): void {
    const byAddress = key.startsWith("ip:");
    const target = byAddress ? `address:${facts.clientIp}` : `user:${user}`;
    const reason = `${byAddress ? "address" : "user"} locked out after repeated failed sign-ins`;
    this.#deps.audit.append({
      actor: { type: "anonymous", id: facts.clientIp },
      action: "auth.lockout",
      target,
      outcome: "denied",
      requestId: facts.requestId,
      details: { user, retryAfterSeconds },
    });
    this.#deps.events.record({
      type: "auth.lockout",
      severity: "high",
      reason,
      principal: user,
      clientIp: facts.clientIp,
      requestId: facts.requestId,
      route: "control",
      details: { target, retryAfterSeconds },
    });
    this.#deps.log.warn({ target, clientIp: facts.clientIp, retryAfterSeconds }, reason);
  }
}

/** With --control-host the API is reachable from elsewhere: an IPv6 client counts by its /64. */
function keys(user: string, facts: RequestFacts): [string, string] {
  return [`user:${user}`, `ip:${clientNetwork(facts.clientIp)}`];
}

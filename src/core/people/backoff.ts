// Login failure backoff against password guessing (CWE-307): after a few free failures each
// further failure doubles the wait, and a run of failures locks the key out for a while. Keys are
// the caller's, e.g. "user:alice" and "ip:203.0.113.7" (an IPv6 client is best keyed by its /64).
// The clock is passed in, so this is pure and testable; memory is bounded by maxKeys.
//
// Use: check() both the user and the IP key before verifying a password (answer 429 with
// Retry-After when either refuses), recordFailure() both after a wrong password, and on success
// recordSuccess() the USER key only. Never reset the IP key on success: an attacker holding one
// valid account could otherwise clear their IP's counter between guesses at other accounts.

import { createHash } from "node:crypto";
import { BulwarkError } from "../errors.ts";

export interface BackoffOptions {
  /** Failures that cost no wait (typos happen). */
  freeFailures: number;
  /** Wait after the first failure past the free ones; doubles with each further failure. */
  baseDelayMs: number;
  /** Longest wait short of a lockout. */
  maxDelayMs: number;
  /** Failures within the window that lock the key out. */
  lockoutThreshold: number;
  lockoutMs: number;
  /** A key's count starts over after this long without a failure (and once any block is over). */
  windowMs: number;
  /** Most keys remembered; past it the key idle longest (no failure, no refused try) is forgotten. */
  maxKeys: number;
}

export type BackoffDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export const DEFAULT_BACKOFF_OPTIONS: Readonly<BackoffOptions> = Object.freeze({
  freeFailures: 3,
  baseDelayMs: 1000,
  maxDelayMs: 60_000,
  lockoutThreshold: 10,
  lockoutMs: 15 * 60_000,
  windowMs: 15 * 60_000,
  maxKeys: 10_000,
});

/** Longer keys (an attacker picks the user name) are stored by hash so memory stays bounded. */
const MAX_KEY_LENGTH = 256;

interface Entry {
  failures: number;
  lastFailureAt: number;
  blockedUntil: number;
}

export class LoginBackoff {
  readonly #options: BackoffOptions;
  /** Insertion order is last-activity order: the first entry is the one to forget first. */
  readonly #entries = new Map<string, Entry>();

  constructor(options: Partial<BackoffOptions> = {}) {
    this.#options = { ...DEFAULT_BACKOFF_OPTIONS, ...options };
    for (const [name, value] of Object.entries(this.#options)) {
      const minimum = name === "freeFailures" ? 0 : 1;
      if (!Number.isSafeInteger(value) || value < minimum) {
        throw new BulwarkError("BWK_INVALID_ARGUMENT", `backoff option ${name} must be an integer >= ${minimum}`);
      }
    }
  }

  /** Counts a failed login for this key and returns what the next attempt would be told. */
  recordFailure(key: string, now: number): BackoffDecision {
    checkClock(now);
    const id = storedKey(key);
    const previous = this.#entries.get(id);
    const failures = previous === undefined || this.#isStale(previous, now) ? 1 : previous.failures + 1;
    const { lockoutThreshold, lockoutMs } = this.#options;
    const blockedUntil = now + (failures >= lockoutThreshold ? lockoutMs : this.#delayAfter(failures));
    this.#entries.delete(id);
    this.#entries.set(id, { failures, lastFailureAt: now, blockedUntil });
    for (const oldest of this.#entries.keys()) {
      if (this.#entries.size <= this.#options.maxKeys) break;
      this.#entries.delete(oldest);
    }
    return this.check(key, now);
  }

  /** May this key try to log in now? */
  check(key: string, now: number): BackoffDecision {
    checkClock(now);
    const id = storedKey(key);
    const entry = this.#entries.get(id);
    if (entry === undefined) return { allowed: true };
    if (this.#isStale(entry, now)) {
      this.#entries.delete(id);
      return { allowed: true };
    }
    if (now >= entry.blockedUntil) return { allowed: true };
    // A refused attempt is activity too: a key under attack stays remembered while a flood of
    // new keys evicts idle ones.
    this.#entries.delete(id);
    this.#entries.set(id, entry);
    return { allowed: false, retryAfterSeconds: Math.ceil((entry.blockedUntil - now) / 1000) };
  }

  /** Forgets the key's failures after a successful login (user keys only; see the top of the file). */
  recordSuccess(key: string): void {
    this.#entries.delete(storedKey(key));
  }

  /** Keys currently remembered. */
  get size(): number {
    return this.#entries.size;
  }

  #isStale(entry: Entry, now: number): boolean {
    return now >= entry.blockedUntil && now - entry.lastFailureAt > this.#options.windowMs;
  }

  #delayAfter(failures: number): number {
    const { freeFailures, baseDelayMs, maxDelayMs } = this.#options;
    if (failures <= freeFailures) return 0;
    return Math.min(maxDelayMs, baseDelayMs * 2 ** (failures - freeFailures - 1));
  }
}

/** A NaN clock would poison an entry (no comparison with NaN is ever true), so it is refused. */
function checkClock(now: number): void {
  if (!Number.isFinite(now)) throw new BulwarkError("BWK_INVALID_ARGUMENT", "backoff clock must be a finite number");
}

function storedKey(key: string): string {
  return key.length <= MAX_KEY_LENGTH ? key : `sha256:${createHash("sha256").update(key).digest("hex")}`;
}

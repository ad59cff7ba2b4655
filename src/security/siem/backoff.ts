// Exponential backoff with "equal jitter": the wait doubles per consecutive failure up to maxMs,
// and half of it is random, so many platform nodes retrying one SIEM do not arrive in lockstep
// while no retry comes sooner than half the nominal wait.

export interface RetryPolicy {
  /** Wait after the first failure. */
  baseMs: number;
  /** Longest wait between two attempts. */
  maxMs: number;
}

export function backoffDelay(consecutiveFailures: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(consecutiveFailures - 1, 0), 30);
  const nominal = Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
  const half = nominal / 2;
  return Math.round(half + random() * half);
}

// An operator's rate override (`bulwark limits set FN --rate`) brakes every way into the function,
// not only its routes: an operator throttling a misbehaving function expects `bulwark invoke` and
// other functions' ctx.invoke held too. The edge takes from the function's override bucket on its
// routes (edge/stages/rate-limit-route.ts); direct invokes and ctx.invoke take from the same
// bucket here, and a refusal is the same 429 and `rate.limited` event (limit "override").
import { BulwarkError } from "../core/errors.ts";
import type { EdgeShield } from "../edge/shield.ts";
import type { SecurityEventRecorder } from "../security/recorder.ts";

export interface OverrideEntry {
  /** How the invocation came: the control API's invoke, or another function's ctx.invoke. */
  via: "invoke" | "ctx.invoke";
  requestId: string;
  /** The calling function, for ctx.invoke. */
  caller?: string;
}

/** Takes a token from `fn`'s override bucket, if an operator set one; throws BWK_RATE_LIMITED when empty. */
export function takeOverrideRate(shield: EdgeShield, events: Pick<SecurityEventRecorder, "record">, fn: string, entry: OverrideEntry): void {
  const now = Date.now();
  const refusal = shield.overrideBucket(fn)?.take(now);
  if (refusal === undefined) return;
  // Floods of refusals are a few events per window and way in, as at the edge (core/repeat-sampler.ts).
  shield.repeats.admit(`rate.limited|${entry.via}|${fn}|${refusal.limit}`, now, (suppressed) =>
    events.record({
      type: "rate.limited",
      severity: "low",
      function: fn,
      requestId: entry.requestId,
      reason: `${refusal.limit} ${refusal.rate}`,
      details: {
        limit: refusal.limit,
        rate: refusal.rate,
        via: entry.via,
        ...(entry.caller === undefined ? {} : { caller: entry.caller }),
        ...(suppressed === 0 ? {} : { suppressed }),
      },
    }),
  );
  // 429 with Retry-After (RFC 6585 §4); a calling function gets it as LimitExceeded.
  throw new BulwarkError("BWK_RATE_LIMITED", `${fn} is rate limited by an operator: retry in ${refusal.retryAfterSeconds} s`, {
    headers: { "retry-after": String(refusal.retryAfterSeconds) },
    extra: { limit: refusal.limit, retryAfterSeconds: refusal.retryAfterSeconds },
  });
}

// An operator's limit override of one function (`bulwark limits set`): a per-function rate at the
// edge and a lower sandbox concurrency, parsed and checked here, applied by control/limit-overrides.ts.
//
// An override is an emergency brake and can only tighten what the manifest says. Loosening a
// function's limits is a change to its reviewed configuration, which goes through a deploy (scanned,
// signed, attributed to whoever changed the manifest); an override above the deployed value would
// either do nothing (a second bucket never lets more through) while the operator believes it
// raised the limit, or, for concurrency, be a way to spend more resources than the app's owners
// agreed to without a deploy. Either way it is refused, with one line saying why.
import { BulwarkError } from "./errors.ts";
import { rateSetting, type RateLimit } from "./manifest/protection.ts";
import type { FunctionSpec } from "./manifest/types.ts";

export interface LimitOverride {
  /** One bucket for every route of the function, shared by every caller. */
  rate?: RateLimit;
  /** Most sandboxes of the function alive at once. */
  concurrency?: number;
}

/** `{ rate?: "10/s", concurrency?: 2 }` as the control API receives it; at least one is required. */
export function overrideOf(body: unknown): LimitOverride {
  const { rate, concurrency } = (body ?? {}) as { rate?: unknown; concurrency?: unknown };
  const out: LimitOverride = {};
  if (rate !== undefined) out.rate = overrideRate(rate);
  if (concurrency !== undefined) {
    if (typeof concurrency !== "number" || !Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", "concurrency must be a whole number of at least 1");
    }
    out.concurrency = concurrency;
  }
  if (out.rate === undefined && out.concurrency === undefined) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "give a rate (like 10/s) or a concurrency to set");
  }
  return out;
}

/** A rate written as a manifest's `rateLimit` is ("10/s", "600/m"), read by the manifest's parser. */
export function overrideRate(text: unknown): RateLimit {
  if (typeof text !== "string") throw new BulwarkError("BWK_INVALID_ARGUMENT", "rate must be a string like 10/s, 600/m or 1000/h");
  const fail = (_at: unknown, reason: string): never => {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `rate ${reason}`);
  };
  return rateSetting(text, ["rate"], fail, false) as RateLimit;
}

/**
 * The most the function's routes let through together: the sum of their buckets when every route
 * has one; none (unbounded) when any route has none, as then any rate is a tightening.
 */
export function deployedRate(spec: FunctionSpec): RateLimit | undefined {
  const rates = spec.triggers.map((t) => t.rateLimit);
  if (rates.length === 0 || rates.some((r) => r === undefined)) return undefined;
  const all = rates as RateLimit[];
  return {
    perSecond: all.reduce((sum, r) => sum + r.perSecond, 0),
    burst: all.reduce((sum, r) => sum + r.burst, 0),
    text: all.map((r) => r.text).join(" + "),
  };
}

/** Throws BWK_INVALID_ARGUMENT when the override would allow more than the deployed spec does. */
export function refuseLoosening(override: LimitOverride, spec: FunctionSpec): void {
  if (override.concurrency !== undefined && override.concurrency > spec.concurrency) {
    throw new BulwarkError(
      "BWK_INVALID_ARGUMENT",
      `concurrency ${override.concurrency} is above ${spec.name}'s deployed ${spec.concurrency}: an override can only tighten (loosen it with a deploy)`,
    );
  }
  const deployed = deployedRate(spec);
  const rate = override.rate;
  if (rate !== undefined && deployed !== undefined && (rate.perSecond > deployed.perSecond || rate.burst > deployed.burst)) {
    throw new BulwarkError(
      "BWK_INVALID_ARGUMENT",
      `rate ${rate.text} is above ${spec.name}'s deployed ${deployed.text}: an override can only tighten (loosen it with a deploy)`,
    );
  }
}

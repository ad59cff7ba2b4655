// Rate limits that need the route and the proven caller: the API key's or JWT subject's bucket,
// then the route's own bucket shared by all its callers, then the function's override bucket, if an
// operator has set one (`bulwark limits set --rate`). Runs after authorize, so a forged
// identity never spends (or drains) someone else's bucket.
import { rateLimited } from "../refuse.ts";
import type { Stage } from "../exchange.ts";

export const rateLimitRoute: Stage = (x, deps) => {
  const now = Date.now();
  const identity = x.principal?.identity;
  const refusal =
    (identity === undefined ? undefined : deps.shield.rates.takePrincipal(identity.via, identity.subject, now)) ??
    deps.shield.policy(x).bucket?.take(now) ??
    deps.shield.overrideBucket(x.route!.function)?.take(now);
  if (refusal) throw rateLimited(x, deps.events, deps.shield.repeats, refusal);
};

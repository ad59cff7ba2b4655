// The client address's token bucket, and its auth-failure block: a flood or a credential-guessing
// run from one address is refused with 429 before routing, parsing or authenticating anything.
import { rateLimited } from "../refuse.ts";
import type { Stage } from "../exchange.ts";

export const rateLimit: Stage = (x, deps) => {
  const refusal = deps.shield.rates.takeIp(x.clientIp, Date.now());
  if (refusal) throw rateLimited(x, deps.events, deps.shield.repeats, refusal);
};

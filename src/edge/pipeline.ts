// The edge pipeline, in order. Each stage is one small file with one job; this list is the only
// place the order is written.
//
// Why this order: a denied address and a flooding one are refused before anything is parsed, and
// a request whose Host is missing, doubled or malformed before it is routed anywhere.
// The route is matched before the WAF because its mode (off, detect, block) is per route; matching
// only splits the path and compares segments, which no payload can exploit. The WAF sees path,
// query and headers before authentication; the body only after `limits` has checked its declared
// type and size and `readBody` has read it under the size limit and deadline, so nothing is
// buffered unchecked. Per-caller rate limits need the identity authenticate proved. Forwarding
// headers a client wrote are recorded only for a request about to reach the function, the one
// place they would have fooled anything.
import type { Stage } from "./exchange.ts";
import { authenticate } from "./stages/authenticate.ts";
import { authorize } from "./stages/authorize.ts";
import { checkHost } from "./stages/check-host.ts";
import { invokeFunction } from "./stages/invoke-function.ts";
import { ipFilter } from "./stages/ip-filter.ts";
import { limits } from "./stages/limits.ts";
import { matchRoute } from "./stages/match-route.ts";
import { parseBody } from "./stages/parse-body.ts";
import { rateLimitRoute } from "./stages/rate-limit-route.ts";
import { rateLimit } from "./stages/rate-limit.ts";
import { readBody } from "./stages/read-body.ts";
import { resolveTenant } from "./stages/resolve-tenant.ts";
import { validate } from "./stages/validate.ts";
import { untrustedForwarding } from "./stages/untrusted-forwarding.ts";
import { wafBody } from "./stages/waf-body.ts";
import { waf } from "./stages/waf.ts";

export const PIPELINE: readonly Stage[] = [
  ipFilter,
  rateLimit,
  checkHost,
  matchRoute,
  waf,
  authenticate,
  authorize,
  rateLimitRoute,
  resolveTenant,
  limits,
  readBody,
  parseBody,
  wafBody,
  validate,
  untrustedForwarding,
  invokeFunction,
];

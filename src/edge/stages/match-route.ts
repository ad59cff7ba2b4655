// Finds the function behind the request, or refuses with 404/405.
import { isBulwarkError } from "../../core/errors.ts";
import { PROTECTION_DEFAULTS } from "../../core/manifest/protection.ts";
import type { Stage } from "../exchange.ts";
import { inspectHead } from "./waf.ts";

export const matchRoute: Stage = (x, deps) => {
  try {
    x.route = deps.router().match(x.method, x.rawPath);
  } catch (e) {
    // A request for no route is still read by the WAF, in the default mode: an injection payload
    // sent to paths that do not exist is reconnaissance, recorded (and refused 403) as on any route,
    // rather than a quiet 404 nobody sees. So is a path the router refuses: "/files/%2e%2e" or a NUL
    // byte is a traversal attempt, not just a 400.
    if (isBulwarkError(e) && (e.code === "BWK_ROUTE_NOT_FOUND" || e.code === "BWK_BAD_REQUEST")) inspectHead(x, deps, PROTECTION_DEFAULTS.waf);
    throw e;
  }
};

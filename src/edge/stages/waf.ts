// The WAF over what a client sent before the body: path, query and headers, in the route's mode
// (off, detect or block). The body is inspected by wafBody once it has been read and parsed.
import type { WafMode } from "../../core/manifest/protection.ts";
import { wafVerdict } from "../refuse.ts";
import type { EdgeDeps, Exchange, Stage } from "../exchange.ts";

export const waf: Stage = (x, deps) => {
  const mode = deps.shield.policy(x).waf;
  if (mode !== "off") inspectHead(x, deps, mode);
};

/** Path, query and headers in `mode`; also for a request no route serves (match-route.ts). */
export function inspectHead(x: Exchange, deps: EdgeDeps, mode: WafMode): void {
  const match = deps.shield.waf.inspect({ path: x.rawPath, query: x.rawQuery, headers: x.req.headers });
  if (match) wafVerdict(x, deps.events, mode, match);
}

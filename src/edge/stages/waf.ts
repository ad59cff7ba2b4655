// The WAF over what a client sent before the body: path, query and headers, in the route's mode
// (off, detect or block). The body is inspected by wafBody once it has been read and parsed.
import { wafVerdict } from "../refuse.ts";
import type { Stage } from "../exchange.ts";

export const waf: Stage = (x, deps) => {
  const mode = deps.shield.policy(x).waf;
  if (mode === "off") return;
  const match = deps.shield.waf.inspect({ path: x.rawPath, query: x.rawQuery, headers: x.req.headers });
  if (match) wafVerdict(x, deps.events, mode, match);
};

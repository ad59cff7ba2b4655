// The WAF over the parsed body (JSON members and keys, form fields, text), in the route's mode.
// A multipart body is two reads: every part's headers and parameters (a file name is a classic
// place for traversal and injection), then its fields and text files; binary files are skipped.
// Other bodies that are not UTF-8 text reach the function as base64 and are not inspected. A body
// too big for the WAF's inspection budget is refused, never let through unread.
import { isBulwarkError } from "../../core/errors.ts";
import type { WafMatch } from "../../core/waf/index.ts";
import { refuse, wafVerdict } from "../refuse.ts";
import type { Stage } from "../exchange.ts";

export const wafBody: Stage = (x, deps) => {
  const mode = deps.shield.policy(x).waf;
  const body = x.parsedBody;
  if (mode === "off" || body === undefined || body.kind === "binary") return;
  let match: WafMatch | null = null;
  try {
    // Two reads, two budgets: the part headers are bounded apart (multipart.ts), so at most double.
    for (const value of body.kind === "multipart" ? [body.headers, body.fields] : [body.value]) {
      match ??= deps.shield.waf.inspect({ path: "", query: "", headers: {}, body: value });
    }
  } catch (e) {
    if (!isBulwarkError(e) || e.code !== "BWK_PAYLOAD_TOO_LARGE") throw e;
    throw refuse(x, deps.events, { type: "body.too_large", severity: "low", reason: "body larger than the WAF inspects" }, e.code, e.message);
  }
  if (match) wafVerdict(x, deps.events, mode, match);
};

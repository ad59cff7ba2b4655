// What a route accepts, checked from the headers before a byte of the body is read: its media
// type (415, RFC 9110 §15.5.16) and its declared size (413, RFC 9110 §15.5.14). A route with
// `input:` takes UTF-8 application/json (or a +json type) and nothing else, a body included.
import { hasBody, isJson, jsonCharsetOk, matchesRange, parseMediaType } from "../body.ts";
import { refuse } from "../refuse.ts";
import type { Exchange, EdgeDeps, Stage } from "../exchange.ts";

export const limits: Stage = (x, deps) => {
  const policy = deps.shield.policy(x);
  if (!hasBody(x.req)) {
    if (policy.accepts === "json") throw unsupported(x, deps, "this route takes an application/json body", ["application/json"]);
    return;
  }
  const type = parseMediaType(x.req.headers["content-type"]);
  if (policy.accepts === "json" && !(isJson(type) && jsonCharsetOk(type!))) {
    throw unsupported(x, deps, "this route takes application/json (UTF-8) only", ["application/json"]);
  }
  if (Array.isArray(policy.accepts) && (type === undefined || !matchesRange(type, policy.accepts))) {
    throw unsupported(x, deps, `this route takes ${policy.accepts.join(", ")}`, policy.accepts);
  }
  const declared = x.req.headers["content-length"];
  if (declared !== undefined && Number(declared) > policy.maxBodyBytes) {
    throw refuse(
      x,
      deps.events,
      { type: "body.too_large", severity: "low", reason: "declared Content-Length over the limit", details: { declared: Number(declared), limitBytes: policy.maxBodyBytes } },
      "BWK_PAYLOAD_TOO_LARGE",
      `the request body is larger than ${policy.maxBodyBytes} bytes`,
      { extra: { limitBytes: policy.maxBodyBytes } },
    );
  }
};

function unsupported(x: Exchange, deps: EdgeDeps, detail: string, accepts: readonly string[]) {
  const sent = x.req.headers["content-type"]?.slice(0, 100) ?? null;
  return refuse(
    x,
    deps.events,
    { type: "unsupported_media_type", severity: "low", reason: `content-type ${sent ?? "(none)"}`, details: { contentType: sent, accepts } },
    "BWK_UNSUPPORTED_MEDIA_TYPE",
    detail,
    { extra: { accepts } },
  );
}

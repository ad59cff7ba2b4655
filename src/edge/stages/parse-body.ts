// Reads a JSON, form, multipart or text body into the value the WAF inspects and the input schema
// validates. A body declared JSON must be UTF-8 JSON nested at most PROTECTION_DEFAULTS.maxJsonDepth
// deep, checked on the text before parsing (CWE-674); otherwise 400 (415 for another charset). A
// multipart body must be well-formed (400) with no more parts and part headers than the edge reads (413).
import { PROTECTION_DEFAULTS } from "../../core/manifest/protection.ts";
import { isBodyProblem, parseBody as parse, parseMediaType } from "../body.ts";
import { refuse } from "../refuse.ts";
import type { Stage } from "../exchange.ts";

export const parseBody: Stage = (x, deps) => {
  if (x.body === undefined || x.body.length === 0) return;
  const parsed = parse(x.body, parseMediaType(x.req.headers["content-type"]), PROTECTION_DEFAULTS.maxJsonDepth);
  if (!isBodyProblem(parsed)) {
    x.parsedBody = parsed;
    return;
  }
  if (parsed.keyword === "charset") {
    throw refuse(
      x,
      deps.events,
      { type: "unsupported_media_type", severity: "low", reason: "JSON body not in UTF-8", details: { contentType: x.req.headers["content-type"]?.slice(0, 100) } },
      "BWK_UNSUPPORTED_MEDIA_TYPE",
      parsed.message,
      { extra: { accepts: ["application/json"] } },
    );
  }
  if (parsed.keyword === "multipartLimits") {
    throw refuse(x, deps.events, { type: "body.too_large", severity: "low", reason: parsed.message }, "BWK_PAYLOAD_TOO_LARGE", parsed.message);
  }
  throw refuse(
    x,
    deps.events,
    { type: "input.invalid", severity: "low", reason: `${parsed.keyword} at /`, details: { instancePath: "", keyword: parsed.keyword } },
    "BWK_INPUT_INVALID",
    parsed.message,
    { extra: { instancePath: "", keyword: parsed.keyword } },
  );
};

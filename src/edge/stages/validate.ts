// Validates the JSON body against the route's input schema, compiled at deploy. A failure is a
// 400 naming where in the body (instancePath, RFC 6901) and which schema keyword failed; the value
// itself is never echoed, and the function never runs.
import { describeFailure } from "../input-schema.ts";
import { refuse } from "../refuse.ts";
import type { Stage } from "../exchange.ts";

export const validate: Stage = (x, deps) => {
  const input = deps.shield.policy(x).input;
  if (input === undefined) return;
  const body = x.parsedBody;
  // `limits` let only JSON bodies through; anything else here is refused, never let past unchecked.
  const valid = body?.kind === "json" && input.validate(body.value);
  if (valid) return;
  const failure =
    body?.kind === "json"
      ? describeFailure(input.validate.errors?.[0])
      : { instancePath: "", keyword: "type", schemaPath: "#", message: "the body must be JSON" };
  throw refuse(
    x,
    deps.events,
    {
      type: "input.invalid",
      severity: "low",
      reason: `${failure.keyword} at ${failure.instancePath || "/"}`,
      details: { file: input.file, instancePath: failure.instancePath, keyword: failure.keyword, schemaPath: failure.schemaPath },
    },
    "BWK_INPUT_INVALID",
    `${failure.instancePath || "the body"} ${failure.message}`,
    { extra: { instancePath: failure.instancePath, keyword: failure.keyword, schemaPath: failure.schemaPath } },
  );
};

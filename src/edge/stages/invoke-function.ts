// Hands the event to the function's sandbox and turns what it returns into the response.
import { buildHttpEvent } from "../event.ts";
import type { Stage } from "../exchange.ts";
import { toHttpResponse } from "../response.ts";

export const invokeFunction: Stage = async (x, deps) => {
  const event = buildHttpEvent(x, deps.app(), deps.stage);
  const result = await deps.invoker.invoke(x.route!.function, event, {
    requestId: x.requestId,
    identity: x.principal?.identity,
    ...(x.trace === undefined ? {} : { trace: x.trace }),
    ...(x.tenant === undefined ? {} : { tenant: x.tenant }),
  });
  try {
    x.response = toHttpResponse(result.value);
  } catch (e) {
    // The answer came back but is no HTTP response (502): its author learns why from bulwark logs.
    deps.invoker.logFailure({ function: x.route!.function, version: result.version, ...(x.tenant === undefined ? {} : { tenant: x.tenant }) }, x.requestId, e);
    throw e;
  }
};

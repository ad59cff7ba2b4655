// Refuses a client address on the deny list (the manifest's or an imported threat feed's), or not
// on the allow list when the app has one: before anything else runs, with a 403 and an event.
import { BulwarkError } from "../../core/errors.ts";
import { recordRepeatedRefusal } from "../refuse.ts";
import type { Stage } from "../exchange.ts";

export const ipFilter: Stage = (x, deps) => {
  const decision = deps.shield.ipFilter.decide(x.clientIp, Date.now());
  if (decision.allowed) return;
  // The client is not told which list or feed named it; the event is.
  recordRepeatedRefusal(x, deps.events, deps.shield.repeats, String(decision.entry), {
    type: "ip.denied",
    severity: "medium",
    reason: decision.reason ?? "denied",
    details: { entry: decision.entry, source: decision.source },
  });
  throw new BulwarkError("BWK_IP_DENIED", "requests from this address are not allowed");
};

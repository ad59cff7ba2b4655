// Forwarding headers (X-Forwarded-For, Forwarded, X-Real-IP, …) from a client that is no trusted
// proxy: the function gets the edge's own values instead (client-ip.ts), and the attempt is a
// low event, since a client naming its own address or host is how IP allow-lists and password-reset
// links are fooled (CWE-348, CWE-644). A proxy the operator forgot to name with --trust-proxy shows
// up the same way, once per address and window rather than once per request.
import { recordRepeatedRefusal } from "../refuse.ts";
import { ignoredForwardingHeaders } from "../client-ip.ts";
import type { Stage } from "../exchange.ts";

export const untrustedForwarding: Stage = (x, deps) => {
  const ignored = ignoredForwardingHeaders(x.req, x.client);
  if (ignored.length === 0) return;
  recordRepeatedRefusal(x, deps.events, deps.shield.repeats, "forwarding", {
    type: "request.forwarding_ignored",
    severity: "low",
    reason: "forwarding headers from a client that is no trusted proxy",
    details: { headers: ignored },
  });
};

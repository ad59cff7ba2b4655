// SIEM sinks: add, list (with delivery counters), remove. A sink's token goes in once and never
// comes back out: the list shows no token, and the stored one is protected at rest.
import { checkSinkDestination } from "../../security/siem/destination.ts";
import { validateSinkConfig } from "../../security/siem/sinks.ts";
import type { ControlRoute } from "../route.ts";
import { recordRefusedDestination } from "../siem-service.ts";

export const siemRoutes: ControlRoute[] = [
  {
    method: "GET",
    pattern: /^\/v1\/siem\/sinks$/,
    action: "siem.manage",
    target: () => "siem",
    handle: (r) => {
      const counters = new Map(r.platform.siem.stats().sinks.map((s) => [s.name, s]));
      return r.platform.siem.listSinks().map((sink) => {
        const c = counters.get(sink.name);
        return { ...sink, ...(c && { pending: c.pending, delivered: c.delivered, overflowed: c.overflowed, dead: c.dead,
          consecutiveFailures: c.consecutiveFailures, lastError: c.lastError, lastDeliveredAt: c.lastDeliveredAt }) };
      });
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/siem\/sinks$/,
    action: "siem.manage",
    target: () => "siem",
    handle: async (r) => {
      const config = validateSinkConfig(await r.body(512 * 1024));
      r.audit.target = `siem:${config.name}`;
      r.audit.details = { kind: config.kind };
      await checkSinkDestination(config, (refused) => {
        r.audit.details = { kind: config.kind, refused: refused.address };
        recordRefusedDestination(r.platform.events, refused, "configure", { clientIp: r.clientIp, requestId: r.requestId, principal: r.actor.id });
      });
      r.platform.siem.addSink(config);
      return { added: config.name };
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/siem\/sinks\/([^/]+)\/remove$/,
    action: "siem.manage",
    target: (r) => `siem:${r.params[0]}`,
    handle: (r) => {
      r.platform.siem.removeSink(r.params[0]!);
      return { removed: r.params[0] };
    },
  },
];

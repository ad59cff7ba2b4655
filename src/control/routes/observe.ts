// Metrics for Prometheus, on the admin listener only (never the public port): the platform's
// counters, histograms and gauges in the text exposition format. Polled, so only refusals are
// audited (route.ts `pollable`).
import { TextResponse, type ControlRoute } from "../route.ts";

export const observeRoutes: ControlRoute[] = [
  {
    method: "GET",
    pattern: /^\/metrics$/,
    action: "metrics.read",
    target: () => "metrics",
    pollable: true,
    handle: async (r) => new TextResponse(r.platform.metrics.contentType, await r.platform.metrics.render()),
  },
];

// Threat-intelligence feeds (`bulwark intel`): import a plain list or STIX 2.1 bundle into the
// edge's deny list, list what is in force, remove addresses or a feed. Applied without restart.
import { MAX_FEED_BYTES } from "../intel.ts";
import type { ControlRoute } from "../route.ts";

export const intelRoutes: ControlRoute[] = [
  {
    method: "GET",
    pattern: /^\/v1\/intel$/,
    action: "intel.manage",
    target: () => "intel",
    handle: (r) => r.platform.intel.list(),
  },
  {
    method: "POST",
    pattern: /^\/v1\/intel\/import$/,
    action: "intel.manage",
    target: () => "intel",
    // JSON quoting can double a feed's size on the wire.
    handle: async (r) => r.platform.intel.import(await r.body(2 * MAX_FEED_BYTES)),
  },
  {
    method: "POST",
    pattern: /^\/v1\/intel\/remove$/,
    action: "intel.manage",
    target: () => "intel",
    handle: async (r) => r.platform.intel.remove(await r.body(1024 * 1024)),
  },
];

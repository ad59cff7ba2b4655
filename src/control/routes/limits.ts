// Operators' limit overrides of one stage's functions (`?stage=dev|prod`, default prod), all under
// limits.configure: set (tighten only: core/limit-override.ts says why), list, clear. api.ts
// audits every call with the stage; what was set or cleared goes into the record's details.
import { overrideOf, refuseLoosening } from "../../core/limit-override.ts";
import { everyStage, type ControlRoute } from "../route.ts";

const configure = everyStage("limits.configure");

export const limitRoutes: ControlRoute[] = [
  {
    method: "GET",
    pattern: /^\/v1\/limits$/,
    action: configure,
    handle: (r) => r.platform.limits.list(r.stage),
  },
  {
    method: "POST",
    pattern: /^\/v1\/functions\/([^/]+)\/limits$/,
    action: configure,
    target: (r) => `function:${r.params[0]}`,
    handle: async (r) => {
      const fn = r.params[0]!;
      const change = overrideOf(await r.body(1024));
      const spec = r.platform.stage(r.stage).servingSpec(fn);
      r.audit.details = { ...(change.rate && { rate: change.rate.text }), ...(change.concurrency !== undefined && { concurrency: change.concurrency }) };
      refuseLoosening(change, spec);
      return r.platform.limits.set(r.stage, fn, change, r.actor.id);
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/functions\/([^/]+)\/limits\/clear$/,
    action: configure,
    target: (r) => `function:${r.params[0]}`,
    handle: async (r) => {
      const cleared = await r.platform.limits.clear(r.stage, r.params[0]!);
      r.audit.details = { ...(cleared.rate && { rate: cleared.rate }), ...(cleared.concurrency !== undefined && { concurrency: cleared.concurrency }), setBy: cleared.by };
      return cleared;
    },
  },
];

// Least-privilege tooling over what functions actually did: `policy lint` and `policy suggest`,
// on the stage the request names (`?stage=dev|prod`, default prod), and `keys rotate-master`,
// which rewraps every stored data key of every stage under a new master key.
import { everyStage, type ControlRoute } from "../route.ts";

export const policyRoutes: ControlRoute[] = [
  {
    method: "GET",
    pattern: /^\/v1\/policy\/lint$/,
    action: everyStage("policy.manage"),
    target: () => "policy",
    handle: (r) => ({ findings: r.platform.stage(r.stage).broker.insights.lint() }),
  },
  {
    method: "GET",
    pattern: /^\/v1\/policy\/suggest\/([^/]+)$/,
    action: everyStage("policy.manage"),
    target: (r) => `function:${r.params[0]}`,
    handle: (r) => r.platform.stage(r.stage).broker.insights.suggest(r.params[0]!, { includeDenied: r.url.searchParams.get("includeDenied") === "true" }),
  },
  {
    method: "POST",
    pattern: /^\/v1\/master-key\/rotate$/,
    action: "masterkey.rotate",
    target: () => "master-key",
    handle: async (r) => {
      const result = await r.platform.rotateMaster();
      r.audit.details = { oldKeyId: result.oldKeyId, newKeyId: result.newKeyId, rewrapped: result.rewrapped };
      return result;
    },
  },
];

// API keys for `auth: apiKey` routes: create (the key is in this one answer), list, revoke. Each
// stage's edge knows only its own keys (`?stage=dev|prod`, default prod): a dev key opens nothing in prod.
import { everyStage, type ControlRoute } from "../route.ts";

export const keyRoutes: ControlRoute[] = [
  {
    method: "GET",
    pattern: /^\/v1\/keys$/,
    action: everyStage("keys.manage"),
    target: () => "keys",
    handle: (r) => r.platform.stage(r.stage).keys.list(),
  },
  {
    method: "POST",
    pattern: /^\/v1\/keys\/([^/]+)$/,
    action: everyStage("keys.manage"),
    target: (r) => `key:${r.params[0]}`,
    handle: async (r) => r.platform.stage(r.stage).keys.create(r.params[0]!, await r.body(16 * 1024)),
  },
  {
    method: "POST",
    pattern: /^\/v1\/keys\/([^/]+)\/revoke$/,
    action: everyStage("keys.manage"),
    target: (r) => `key:${r.params[0]}`,
    handle: (r) => r.platform.stage(r.stage).keys.revoke(r.params[0]!),
  },
];

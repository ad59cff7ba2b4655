// API keys for `auth: apiKey` routes: create (the key is in this one answer), list, revoke.
import type { ControlRoute } from "../route.ts";

export const keyRoutes: ControlRoute[] = [
  {
    method: "GET",
    pattern: /^\/v1\/keys$/,
    action: "keys.manage",
    target: () => "keys",
    handle: (r) => r.platform.keys.list(),
  },
  {
    method: "POST",
    pattern: /^\/v1\/keys\/([^/]+)$/,
    action: "keys.manage",
    target: (r) => `key:${r.params[0]}`,
    handle: async (r) => r.platform.keys.create(r.params[0]!, await r.body(16 * 1024)),
  },
  {
    method: "POST",
    pattern: /^\/v1\/keys\/([^/]+)\/revoke$/,
    action: "keys.manage",
    target: (r) => `key:${r.params[0]}`,
    handle: (r) => r.platform.keys.revoke(r.params[0]!),
  },
];

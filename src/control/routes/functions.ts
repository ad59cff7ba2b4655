// Functions: list, deploy, invoke, versions, rollback, logs.
import type { DeployRequest } from "../deploy.ts";
import type { ControlRoute } from "../route.ts";

const MAX_DEPLOY_BYTES = 64 * 1024 * 1024;

export const functionRoutes: ControlRoute[] = [
  { method: "GET", pattern: /^\/v1\/health$/, action: null, handle: (r) => r.platform.health() },
  { method: "GET", pattern: /^\/v1\/functions$/, action: "functions.list", handle: (r) => r.platform.listFunctions() },
  {
    method: "POST",
    pattern: /^\/v1\/deploy$/,
    action: "deploy.prod",
    target: () => "app",
    handle: async (r) => r.platform.deploy((await r.body(MAX_DEPLOY_BYTES)) as DeployRequest, { actor: r.actor, requestId: r.requestId }),
  },
  {
    method: "POST",
    pattern: /^\/v1\/functions\/([^/]+)\/invoke$/,
    action: "functions.invoke",
    target: (r) => `function:${r.params[0]}`,
    handle: async (r) => r.platform.invokeDirect(r.params[0]!, ((await r.body(MAX_DEPLOY_BYTES)) as { event?: unknown }).event),
  },
  {
    method: "GET",
    pattern: /^\/v1\/functions\/([^/]+)\/versions$/,
    action: "functions.list",
    target: (r) => `function:${r.params[0]}`,
    handle: (r) => r.platform.versions(r.params[0]!),
  },
  {
    method: "POST",
    pattern: /^\/v1\/functions\/([^/]+)\/rollback$/,
    action: "rollback.prod",
    target: (r) => `function:${r.params[0]}`,
    handle: async (r) => r.platform.rollback(r.params[0]!, ((await r.body(4096)) as { to?: unknown }).to),
  },
  {
    method: "GET",
    pattern: /^\/v1\/functions\/([^/]+)\/logs$/,
    action: "logs.read",
    target: (r) => `function:${r.params[0]}`,
    handle: (r) =>
      r.platform.logs(r.params[0]!, Number(r.url.searchParams.get("after") ?? 0), Number(r.url.searchParams.get("limit") ?? 500)),
  },
];

// Functions: list, deploy, invoke, versions, rollback, logs; each on the stage the request names
// (`?stage=dev|prod`, default prod), whose action the route names per stage (route-access.ts).
import type { DeployRequest } from "../deploy.ts";
import { everyStage, type ControlRequest, type ControlRoute } from "../route.ts";

const MAX_DEPLOY_BYTES = 64 * 1024 * 1024;

export const functionRoutes: ControlRoute[] = [
  { method: "GET", pattern: /^\/v1\/health$/, action: null, handle: (r) => r.platform.health() },
  {
    method: "GET",
    pattern: /^\/v1\/functions$/,
    action: everyStage("functions.list"),
    handle: (r) => stage(r).listFunctions().map((f) => ({ ...f, quarantined: r.platform.quarantine.get(r.stage, f.name) ?? null })),
  },
  {
    method: "POST",
    pattern: /^\/v1\/deploy$/,
    action: { dev: "deploy.dev", prod: "deploy.prod" },
    target: () => "app",
    handle: async (r) => stage(r).deploy((await r.body(MAX_DEPLOY_BYTES)) as DeployRequest, { actor: r.actor, requestId: r.requestId }),
  },
  {
    method: "POST",
    pattern: /^\/v1\/functions\/([^/]+)\/invoke$/,
    action: everyStage("functions.invoke"),
    target: (r) => `function:${r.params[0]}`,
    handle: async (r) => stage(r).invokeDirect(r.params[0]!, ((await r.body(MAX_DEPLOY_BYTES)) as { event?: unknown }).event),
  },
  {
    method: "GET",
    pattern: /^\/v1\/functions\/([^/]+)\/versions$/,
    action: everyStage("functions.list"),
    target: (r) => `function:${r.params[0]}`,
    handle: (r) => stage(r).versions(r.params[0]!),
  },
  {
    method: "POST",
    pattern: /^\/v1\/functions\/([^/]+)\/rollback$/,
    action: { dev: "rollback.dev", prod: "rollback.prod" },
    target: (r) => `function:${r.params[0]}`,
    handle: async (r) => stage(r).rollback(r.params[0]!, ((await r.body(4096)) as { to?: unknown }).to),
  },
  {
    method: "GET",
    pattern: /^\/v1\/functions\/([^/]+)\/logs$/,
    action: everyStage("logs.read"),
    // A developer reads the logs of a function whose serving version they deployed (stage.ts deployerOf).
    own: { action: "logs.read.own", owner: (r) => stage(r).deployerOf(r.params[0]!) },
    target: (r) => `function:${r.params[0]}`,
    handle: (r) =>
      stage(r).logs(r.params[0]!, Number(r.url.searchParams.get("after") ?? 0), Number(r.url.searchParams.get("limit") ?? 500)),
  },
];

function stage(r: ControlRequest) {
  return r.platform.stage(r.stage);
}

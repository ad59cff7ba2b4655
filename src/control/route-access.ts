// Which action a control request asks of the role matrix, decided here and nowhere else: the
// route's action, in the stage the request names for a staged route (`?stage=dev|prod`, default
// prod; deploying to dev is deploy.dev), or for a read of what callers may own (logs) the "own"
// action with whether the caller owns the target. api.ts guards and audits what this returns.
import { BulwarkError } from "../core/errors.ts";
import type { Action } from "../core/people/roles.ts";
import type { GuardContext, RouteAction } from "./auth/guard.ts";
import { isStage, STAGES, type Principal, type Stage } from "./auth/principal.ts";
import type { ControlRequest, ControlRoute, StagedAction } from "./route.ts";

export interface Access extends GuardContext {
  action: RouteAction | null;
}

export interface RouteGuard {
  guard(action: RouteAction | null, principal: Principal | null, failure?: string): void;
  grants(action: Action, principal: Principal | null, context?: GuardContext): boolean;
}

/**
 * The request's access; sets `r.stage`. An unknown stage is a 400, told apart only to a caller
 * with a valid credential (like an unknown path): `people.guard` refuses the others first.
 */
export function accessOf(route: ControlRoute, r: ControlRequest, people: RouteGuard, failure?: string): Access {
  if (!isStaged(route.action)) return { action: route.action };
  const stage = r.url.searchParams.get("stage") ?? "prod";
  if (!isStage(stage)) {
    people.guard("auth.whoami", r.principal, failure);
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `unknown stage "${stage.slice(0, 32)}": the stages are ${STAGES.join(" and ")}`);
  }
  r.stage = stage;
  const action = route.action[stage];
  if (route.own === undefined || people.grants(action, r.principal, { stage })) return { action, stage };
  const owner = route.own.owner(r);
  return { action: route.own.action, stage, ownsTarget: owner !== null && owner === r.actor.id };
}

/** The action a route is in a stage (prod: what a request naming no stage asks). */
export function actionIn(route: ControlRoute, stage: Stage): RouteAction | null {
  return isStaged(route.action) ? route.action[stage] : route.action;
}

/** Every action a request to this route may ask for. */
export function actionsOf(route: ControlRoute): RouteAction[] {
  const actions = isStaged(route.action) ? STAGES.map((s) => (route.action as StagedAction)[s]) : route.action === null ? [] : [route.action];
  return [...new Set([...actions, ...(route.own ? [route.own.action] : [])])];
}

function isStaged(action: ControlRoute["action"]): action is StagedAction {
  return typeof action === "object" && action !== null;
}

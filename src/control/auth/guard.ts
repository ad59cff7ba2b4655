// Decides whether a caller may run a control route: the action the request asks for (route-access.ts),
// asked of the role matrix (core/people/roles.ts) with the caller's roles, the request's stage,
// whether the caller owns the target, and the last second-factor time.
// Refusals: 401 without a valid credential, 403 when the roles do not grant the action, and 401
// BWK_STEP_UP_REQUIRED when they do but the action needs a second factor the session has not
// shown in the last five minutes (the CLI turns that into a code prompt and a retry).
import { BulwarkError } from "../../core/errors.ts";
import { authorize, isAction, type Action } from "../../core/people/roles.ts";
import type { Principal, Stage } from "./principal.ts";

/** Routes outside the role matrix: signing in, and what a signed-in person does to their own account. */
export const ACCOUNT_ACTIONS = ["auth.login", "auth.logout", "auth.whoami", "auth.password", "mfa.enroll", "mfa.verify"] as const;
export type AccountAction = (typeof ACCOUNT_ACTIONS)[number];
export type RouteAction = Action | AccountAction;

/** The only route a caller without a credential may reach (besides the health check). */
const PUBLIC: ReadonlySet<string> = new Set<AccountAction>(["auth.login"]);
/** Account routes that make sense only for a person (a CI job has no password or authenticator). */
const PERSON_ONLY: ReadonlySet<string> = new Set<AccountAction>(["auth.logout", "auth.password", "mfa.enroll", "mfa.verify"]);

export const UNAUTHENTICATED_HEADERS = { "www-authenticate": 'Bearer realm="bulwark-control"' };

/** What the request says about the target, beyond the action: its stage, and whether the caller owns it. */
export interface GuardContext {
  /** The stage the request names (`?stage=`); see stageOf for a request that names none. */
  stage?: Stage;
  ownsTarget?: boolean;
}

/**
 * The stage an action is about when the request names none: deploy.dev and rollback.dev name dev,
 * and every other function action is about prod, the default stage of every staged route, so a
 * caller who names no stage can never reach dev by leaving it out (nor a dev CI token prod).
 */
export function stageOf(action: Action): Stage | undefined {
  if (action === "deploy.dev" || action === "rollback.dev") return "dev";
  if (action.startsWith("deploy.") || action.startsWith("rollback.") || action.startsWith("functions.")) return "prod";
  if (action.startsWith("logs.") || action === "triggers.configure" || action === "limits.configure") return "prod";
  if (action.startsWith("quarantine.")) return "prod";
  return undefined;
}

/** Throws the refusal for this caller and action, or returns when it may go ahead. */
export function guard(action: RouteAction | null, principal: Principal | null, now: number, failure?: string, context: GuardContext = {}): void {
  if (action === null || PUBLIC.has(action)) return;
  if (principal === null) {
    const why = failure === undefined ? "the control API needs a credential" : `the credential was refused (${failure})`;
    throw new BulwarkError("BWK_UNAUTHORIZED", `${why}: run \`bulwark login\``, { headers: UNAUTHENTICATED_HEADERS });
  }
  if (!isAction(action)) {
    if (PERSON_ONLY.has(action) && principal.kind !== "user") {
      throw new BulwarkError("BWK_FORBIDDEN", `${action} is for a signed-in person, not a ${principal.kind === "ci" ? "CI token" : "local operator token"}`);
    }
    return;
  }
  if (principal.kind === "local") return;
  const stage = context.stage ?? stageOf(action);
  const ownsTarget = context.ownsTarget === true;
  if (principal.kind === "ci") {
    // A CI token acts only on its own stage; no second factor can be asked of a machine, so the
    // step-up it stands in for was the admin's when the token was created (tokens.create is
    // roles.manage, a step-up action), and the token's scope and expiry bound what it can do.
    if (stage !== undefined && stage !== principal.stage) {
      throw new BulwarkError("BWK_FORBIDDEN", `this CI token is for the ${principal.stage} stage; ${action} is about ${stage}`);
    }
    refuse(action, authorize([principal.role], action, { now, mfaAt: now, stage, ownsTarget }));
    return;
  }
  if (principal.passwordChangeRequired) {
    // A one-time password was seen by whoever handed it over: it opens the account, nothing more.
    throw new BulwarkError("BWK_FORBIDDEN", "change your one-time password first: run `bulwark passwd`", { extra: { passwordChangeRequired: true } });
  }
  refuse(action, authorize(principal.roles, action, { now, mfaAt: principal.mfaAt, stage, ownsTarget }), principal.mfaEnrolled);
}

/**
 * Whether the caller's roles grant the action at all (a second factor aside): what picks logs.read
 * over logs.read.own for a route that serves both (route-access.ts).
 */
export function grants(action: Action, principal: Principal | null, context: GuardContext = {}): boolean {
  if (principal === null) return false;
  if (principal.kind === "local") return true;
  const stage = context.stage ?? stageOf(action);
  if (principal.kind === "ci" && stage !== undefined && stage !== principal.stage) return false;
  const roles = principal.kind === "ci" ? [principal.role] : principal.roles;
  const decision = authorize(roles, action, { now: 0, stage, ownsTarget: context.ownsTarget === true });
  return decision.allowed || decision.reason === "step-up-required";
}

function refuse(action: Action, decision: ReturnType<typeof authorize>, mfaEnrolled = true): void {
  if (decision.allowed) return;
  if (decision.reason === "step-up-required") {
    const next = mfaEnrolled ? "run `bulwark mfa verify`" : "you have no authenticator yet: run `bulwark mfa enroll`";
    // RFC 9470 (OAuth 2.0 Step-Up Authentication Challenge) names this error for a 401.
    throw new BulwarkError("BWK_STEP_UP_REQUIRED", `${action} needs an MFA check within the last 5 minutes: ${next}`, {
      headers: { "www-authenticate": 'Bearer realm="bulwark-control", error="insufficient_user_authentication"' },
      extra: { mfaEnrolled },
    });
  }
  throw new BulwarkError("BWK_FORBIDDEN", `your roles do not allow ${action}`);
}

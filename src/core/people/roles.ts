// The role matrix: the one place that says which role may do what. Everything that checks a
// person's permission (control plane, console, CLI) asks authorize(); nothing else hard-codes roles.
//
// Decisions, by role:
// - developer writes code: lists and invokes functions in the dev stage, deploys and rolls back
//   dev, reads the logs of functions they deployed, and lists secret names to write grants.
// - operator runs production: deploys and rolls back both stages, configures triggers and limits,
//   quarantines and releases functions, manages secret values (reading one back is break-glass and
//   needs step-up), and reads logs, metrics and alerts to do so.
// - auditor only reads: logs, the audit trail, security events and alerts. Nothing else.
// - admin governs people and policy: users, roles, API keys, policies, threat intel, SIEM export and
//   the master key. For separation of duties an admin neither deploys, nor reads secrets, logs or
//   the audit trail that records what admins do; one person who needs both holds both roles.

export const ROLES = ["developer", "operator", "auditor", "admin"] as const;
export type Role = (typeof ROLES)[number];

export const ACTIONS = [
  "functions.list",
  "functions.invoke",
  "deploy.dev",
  "deploy.prod",
  "rollback.dev",
  "rollback.prod",
  "logs.read.own",
  "logs.read",
  "metrics.read",
  "audit.read",
  "events.read",
  "alerts.read",
  "triggers.configure",
  "limits.configure",
  "quarantine.set",
  "quarantine.release",
  "secrets.list",
  "secrets.read",
  "secrets.write",
  "secrets.rotate",
  "keys.manage",
  "users.manage",
  "roles.manage",
  "policy.manage",
  "masterkey.rotate",
  "intel.manage",
  "siem.manage",
] as const;
export type Action = (typeof ACTIONS)[number];

/** Actions that need a second factor confirmed within STEP_UP_WINDOW_MS. */
export const STEP_UP_ACTIONS = [
  "deploy.prod",
  "rollback.prod",
  "secrets.read",
  "secrets.write",
  "secrets.rotate",
  "policy.manage",
  "roles.manage",
  "masterkey.rotate",
  "quarantine.release",
] as const satisfies readonly Action[];
export const STEP_UP_WINDOW_MS = 5 * 60 * 1000;

export interface AuthorizeContext {
  /** Current time, ms since the epoch. */
  now: number;
  /** When this session last passed TOTP, ms since the epoch; absent if never. */
  mfaAt?: number | null;
  /** Stage of the target function, where the action is about one. */
  stage?: "dev" | "prod";
  /** The person deployed the target function ("own" in logs.read.own). */
  ownsTarget?: boolean;
}

export type Authorization = { allowed: true } | { allowed: false; reason: "forbidden" | "step-up-required" };

/**
 * When a grant applies: always, only when the context says stage "dev", or only when the context
 * says the person owns the target. A missing stage or ownership never satisfies a condition.
 */
type Grant = "always" | "dev-stage" | "own-target";

const MATRIX: Readonly<Record<Role, Readonly<Partial<Record<Action, Grant>>>>> = {
  developer: {
    "functions.list": "dev-stage",
    "functions.invoke": "dev-stage",
    "deploy.dev": "always",
    "rollback.dev": "always",
    "logs.read.own": "own-target",
    "secrets.list": "always",
  },
  operator: {
    "functions.list": "always",
    "functions.invoke": "always",
    "deploy.dev": "always",
    "deploy.prod": "always",
    "rollback.dev": "always",
    "rollback.prod": "always",
    "logs.read.own": "always",
    "logs.read": "always",
    "metrics.read": "always",
    "alerts.read": "always",
    "triggers.configure": "always",
    "limits.configure": "always",
    "quarantine.set": "always",
    "quarantine.release": "always",
    "secrets.list": "always",
    "secrets.read": "always",
    "secrets.write": "always",
    "secrets.rotate": "always",
  },
  auditor: {
    "logs.read.own": "always",
    "logs.read": "always",
    "metrics.read": "always",
    "audit.read": "always",
    "events.read": "always",
    "alerts.read": "always",
  },
  admin: {
    "keys.manage": "always",
    "users.manage": "always",
    "roles.manage": "always",
    "policy.manage": "always",
    "masterkey.rotate": "always",
    "intel.manage": "always",
    "siem.manage": "always",
  },
};

const ROLE_SET: ReadonlySet<string> = new Set(ROLES);
const ACTION_SET: ReadonlySet<string> = new Set(ACTIONS);
const STEP_UP_SET: ReadonlySet<string> = new Set(STEP_UP_ACTIONS);

export function isRole(value: unknown): value is Role {
  return typeof value === "string" && ROLE_SET.has(value);
}

export function isAction(value: unknown): value is Action {
  return typeof value === "string" && ACTION_SET.has(value);
}

/**
 * May a person holding these roles do this action now? Default deny: unknown roles and actions
 * grant nothing. "forbidden" wins over "step-up-required" so nobody is asked for a second factor
 * for something they could not do anyway. Reading one function's logs is asked as logs.read.own
 * with ownsTarget; holders of logs.read pass it whoever owns the function.
 */
export function authorize(roles: readonly string[], action: Action, context: AuthorizeContext): Authorization {
  const granted =
    isAction(action) &&
    Array.isArray(roles) &&
    roles.some((role) => isRole(role) && grantApplies(MATRIX[role][action], context));
  if (!granted) return { allowed: false, reason: "forbidden" };
  if (STEP_UP_SET.has(action) && !hasRecentMfa(context)) return { allowed: false, reason: "step-up-required" };
  return { allowed: true };
}

function grantApplies(grant: Grant | undefined, context: AuthorizeContext): boolean {
  switch (grant) {
    case "always":
      return true;
    case "dev-stage":
      return context.stage === "dev";
    case "own-target":
      return context.ownsTarget === true;
    default:
      return false;
  }
}

/** A second factor within the last five minutes, boundary included; a time in the future is refused. */
function hasRecentMfa({ mfaAt, now }: AuthorizeContext): boolean {
  if (typeof mfaAt !== "number" || !Number.isFinite(mfaAt) || !Number.isFinite(now)) return false;
  const age = now - mfaAt;
  return age >= 0 && age <= STEP_UP_WINDOW_MS;
}

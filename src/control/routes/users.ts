// Users and their roles. Creating a user WITH roles, like changing roles, is a role
// grant: it needs roles.manage (and so a fresh MFA check), not just users.manage. So does every
// change that puts an existing account, and so its roles, in someone's hands: a new one-time
// password goes to the caller, a removed authenticator lets whoever signs in next enrol theirs,
// and enabling gives a disabled account its roles back. Without that, a stolen admin session that
// never showed a second factor could take over an operator's account and read secrets (CWE-308).
import type { ControlRequest, ControlRoute } from "../route.ts";

const SMALL_BODY = 4096;

/** Changes that give an account's roles to whoever signs in next: step-up, like a role grant. */
const HANDS_OVER: ReadonlySet<string> = new Set(["enable", "reset-mfa"]);

export const userRoutes: ControlRoute[] = [
  { method: "GET", pattern: /^\/v1\/users$/, action: "users.manage", target: () => "users", handle: (r) => r.platform.people.accounts.list() },
  {
    method: "POST",
    pattern: /^\/v1\/users$/,
    action: "users.manage",
    handle: async (r) => {
      const { name, roles } = (await r.body(SMALL_BODY)) as { name?: unknown; roles?: unknown };
      r.audit.target = `user:${String(name).slice(0, 64)}`;
      if (Array.isArray(roles) && roles.length > 0) r.require("roles.manage");
      const created = await r.platform.people.accounts.add(name, roles ?? [], by(r));
      r.audit.details = { change: "created", roles: created.user.roles };
      return created;
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/users\/([^/]+)\/roles$/,
    action: "roles.manage",
    target: (r) => `user:${r.params[0]}`,
    handle: async (r) => {
      const { roles } = (await r.body(SMALL_BODY)) as { roles?: unknown };
      const before = r.platform.people.accounts.list().find((u) => u.name === r.params[0])?.roles ?? [];
      const after = r.platform.people.accounts.setRoles(r.params[0]!, roles);
      r.audit.details = { before, after: after.roles };
      return after;
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/users\/([^/]+)\/reset-password$/,
    action: "users.manage",
    target: (r) => `user:${r.params[0]}`,
    handle: (r) => {
      r.audit.details = { change: "reset-password" };
      r.require("roles.manage");
      return r.platform.people.accounts.resetPassword(r.params[0]!);
    },
  },
  ...(["disable", "enable", "reset-mfa"] as const).map(
    (change): ControlRoute => ({
      method: "POST",
      pattern: new RegExp(`^/v1/users/([^/]+)/${change}$`),
      action: "users.manage",
      target: (r) => `user:${r.params[0]}`,
      handle: (r) => {
        r.audit.details = { change };
        if (HANDS_OVER.has(change)) r.require("roles.manage");
        const accounts = r.platform.people.accounts;
        if (change !== "disable") return change === "enable" ? accounts.enable(r.params[0]!) : accounts.resetMfa(r.params[0]!);
        const disabled = accounts.disable(r.params[0]!);
        r.audit.details = { change, ciTokensRevoked: disabled.ciTokensRevoked };
        return disabled;
      },
    }),
  ),
];

/** How the audit trail and listings name whoever made a change. */
export function by(r: ControlRequest): string {
  return `${r.actor.type}:${r.actor.id}`;
}

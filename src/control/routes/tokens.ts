// CI tokens: create (the token is in this one answer), list, revoke.
import type { ControlRoute } from "../route.ts";
import { by } from "./users.ts";

const SMALL_BODY = 4096;

export const tokenRoutes: ControlRoute[] = [
  { method: "GET", pattern: /^\/v1\/tokens$/, action: "users.manage", target: () => "tokens", handle: (r) => r.platform.people.ciTokens.list() },
  {
    // A CI token carries a role, so minting one is a role grant (roles.manage, step-up).
    method: "POST",
    pattern: /^\/v1\/tokens$/,
    action: "roles.manage",
    target: () => "tokens",
    handle: async (r) => {
      const created = r.platform.people.ciTokens.create(await r.body(SMALL_BODY), by(r));
      r.audit.target = `token:${created.id}`;
      r.audit.details = { change: "created", role: created.role, stage: created.stage, expiresAt: created.expiresAt };
      return created;
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/tokens\/([^/]+)\/revoke$/,
    action: "users.manage",
    target: (r) => `token:${r.params[0]}`,
    handle: (r) => r.platform.people.ciTokens.revoke(r.params[0]!, by(r)),
  },
];

// Decides whether the proven caller may use this route: the route's roles and scopes, and an API
// key's own scope (core/auth/access.ts). A refusal is 403 with an auth.forbidden event.
import { decideAccess } from "../../core/auth/access.ts";
import { BulwarkError } from "../../core/errors.ts";
import { forbidden } from "../auth/refusals.ts";
import type { Stage } from "../exchange.ts";

export const authorize: Stage = (x, deps) => {
  const route = x.route!;
  if (route.trigger.auth === "none") return;
  const principal = x.principal;
  // Only reachable if the pipeline order were wrong: fail closed.
  if (principal === undefined) throw new BulwarkError("BWK_INTERNAL", "authorize ran before authenticate");
  const decision = decideAccess(
    { function: route.function, routeKey: route.routeKey, roles: route.trigger.roles, scopes: route.trigger.scopes },
    { roles: principal.identity.roles, scopes: principal.scopes, keyScope: principal.keyScope },
  );
  if (!decision.allowed) throw forbidden(x, deps.events, decision.reason, principal.identity.subject, decision.missingScopes);
};

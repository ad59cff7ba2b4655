// Signing in and out, who am I, and the second factor (enrol, confirm, step-up verify).
import { BulwarkError } from "../../core/errors.ts";
import type { Principal } from "../auth/principal.ts";
import type { ControlRequest, ControlRoute } from "../route.ts";

const SMALL_BODY = 4096;

export const authRoutes: ControlRoute[] = [
  {
    method: "POST",
    pattern: /^\/v1\/auth\/login$/,
    action: "auth.login",
    handle: async (r) => {
      const body = await r.body(SMALL_BODY);
      const user = (body as { user?: unknown } | null)?.user;
      if (typeof user === "string") r.audit.target = `user:${user.toLowerCase().slice(0, 64)}`;
      const result = await r.platform.people.login.login(body, facts(r));
      r.audit.actor = { type: "user", id: result.user };
      r.audit.details = { mfaVerified: result.mfaVerified };
      return result;
    },
  },
  { method: "POST", pattern: /^\/v1\/auth\/logout$/, action: "auth.logout", handle: (r) => r.platform.people.logout(r.principal) },
  {
    method: "POST",
    pattern: /^\/v1\/auth\/password$/,
    action: "auth.password",
    handle: async (r) => r.platform.people.passwords.change(person(r), await r.body(SMALL_BODY), facts(r)),
  },
  { method: "GET", pattern: /^\/v1\/auth\/whoami$/, action: "auth.whoami", handle: (r) => r.platform.people.whoami(r.principal) },
  {
    method: "POST",
    pattern: /^\/v1\/auth\/mfa\/enroll$/,
    action: "mfa.enroll",
    handle: async (r) => {
      const { password } = (await r.body(SMALL_BODY)) as { password?: unknown };
      r.audit.details = { step: "start" };
      return r.platform.people.mfa.enroll(person(r), password, facts(r));
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/auth\/mfa\/confirm$/,
    action: "mfa.enroll",
    handle: async (r) => {
      const { code } = (await r.body(SMALL_BODY)) as { code?: unknown };
      r.audit.details = { step: "confirm" };
      return r.platform.people.mfa.confirm(person(r), code, facts(r));
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/auth\/mfa\/verify$/,
    action: "mfa.verify",
    handle: async (r) => {
      const { code } = (await r.body(SMALL_BODY)) as { code?: unknown };
      const result = r.platform.people.mfa.verify(person(r), code, facts(r));
      r.audit.details = { via: result.via };
      return { mfaAt: new Date(result.mfaAt).toISOString(), recoveryCodesLeft: result.recoveryCodesLeft };
    },
  },
];

function person(r: ControlRequest): Extract<Principal, { kind: "user" }> {
  // guard.ts lets only sessions reach the person-only routes; this keeps the type honest.
  if (r.principal?.kind !== "user") throw new BulwarkError("BWK_FORBIDDEN", "this is for a signed-in person");
  return r.principal;
}

function facts(r: ControlRequest): { clientIp: string; requestId: string } {
  return { clientIp: r.clientIp, requestId: r.requestId };
}

// Asking a signed-in person for their password again before a change that a stolen session must not
// make on its own (a new password, a new authenticator): a session token proves a device once held
// the account, not that its owner is at the keyboard now (CWE-620, OWASP ASVS V2.5.x). A wrong
// password counts toward the same lockout as a failed sign-in, so the check cannot be used to
// guess the password at a rate the sign-in route refuses.
import { BulwarkError } from "../../core/errors.ts";
import { verifyPassword } from "../../core/people/password.ts";
import type { PeopleDeps, RequestFacts } from "./deps.ts";
import type { LoginThrottle } from "./throttle.ts";

const MAX_FIELD = 1024;

export function isPasswordText(value: unknown): value is string {
  return typeof value === "string" && value.length > 0 && value.length <= MAX_FIELD;
}

/** Throws 403 (and records an auth.failure) unless `password` is the account's current one. */
export async function provePassword(deps: PeopleDeps, throttle: LoginThrottle, name: string, password: string, facts: RequestFacts, change: string): Promise<void> {
  throttle.check(name, facts);
  const user = deps.users.get(name);
  if (!user || !(await verifyPassword(password, user.passwordHash))) {
    throttle.fail(name, facts);
    deps.events.record({
      type: "auth.failure",
      severity: "medium",
      reason: `${change} refused: wrong current password`,
      principal: name,
      clientIp: facts.clientIp,
      requestId: facts.requestId,
      route: "control",
    });
    throw new BulwarkError("BWK_FORBIDDEN", "the current password is wrong");
  }
  throttle.succeed(name);
}

// Changing a password: the person proves the current one (throttled like a sign-in), the new one
// must pass the length policy (NIST SP 800-63B §5.1.1.2) and differ, and every other session of
// the account ends, so a session opened with the old password does not outlive it.
import { BulwarkError } from "../../core/errors.ts";
import { checkPasswordPolicy, hashPassword } from "../../core/people/password.ts";
import type { PeopleDeps, RequestFacts } from "./deps.ts";
import type { Principal } from "./principal.ts";
import { isPasswordText, provePassword } from "./reauth.ts";
import type { LoginThrottle } from "./throttle.ts";

type Person = Extract<Principal, { kind: "user" }>;

export class PasswordService {
  readonly #deps: PeopleDeps;
  readonly #throttle: LoginThrottle;

  constructor(deps: PeopleDeps, throttle: LoginThrottle) {
    this.#deps = deps;
    this.#throttle = throttle;
  }

  async change(person: Person, body: unknown, facts: RequestFacts): Promise<{ changed: true; otherSessionsEnded: number }> {
    const b = (body ?? {}) as Record<string, unknown>;
    if (!isPasswordText(b.current) || !isPasswordText(b.new)) throw new BulwarkError("BWK_INVALID_ARGUMENT", "a password change needs {current, new} strings");
    const policy = checkPasswordPolicy(b.new);
    if (!policy.ok) throw new BulwarkError("BWK_INVALID_ARGUMENT", policy.message);
    if (b.new === b.current) throw new BulwarkError("BWK_INVALID_ARGUMENT", "the new password must differ from the current one");
    await provePassword(this.#deps, this.#throttle, person.name, b.current, facts, "password change");
    this.#deps.users.setPasswordHash(person.name, await hashPassword(b.new), false);
    const otherSessionsEnded = this.#deps.sessions.revokeAllOf(person.name, this.#deps.now(), person.sessionId);
    return { changed: true, otherSessionsEnded };
  }
}

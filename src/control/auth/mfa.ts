// The second factor: TOTP enrolment (RFC 6238, otpauth:// URI), one-time recovery codes, and the
// step-up check that marks a session as having passed MFA just now.
import { BulwarkError } from "../../core/errors.ts";
import { generateRecoveryCodes, hashRecoveryCode, normalizeRecoveryCode } from "../../core/people/recovery.ts";
import { STEP_UP_WINDOW_MS } from "../../core/people/roles.ts";
import { generateTotpSecret, otpauthUri, verifyTotp } from "../../core/people/totp.ts";
import type { PeopleDeps, RequestFacts } from "./deps.ts";
import type { Principal } from "./principal.ts";
import { isPasswordText, provePassword } from "./reauth.ts";
import type { LoginThrottle } from "./throttle.ts";

type Person = Extract<Principal, { kind: "user" }>;
export type SecondFactor = { ok: true; via: "totp" | "recovery-code" } | { ok: false; reason: string };

const RECOVERY_CODES = 10;
const MAX_CODE_LENGTH = 64;

export class MfaService {
  readonly #deps: PeopleDeps;
  readonly #throttle: LoginThrottle;

  constructor(deps: PeopleDeps, throttle: LoginThrottle) {
    this.#deps = deps;
    this.#throttle = throttle;
  }

  /**
   * Hands out a new secret, pending until a code from it is confirmed. A stolen session must not
   * enrol the thief's device: the account's password is asked again (for an account without MFA
   * yet it is the only thing a session thief lacks), and replacing an enrolled authenticator also
   * needs a fresh MFA check. The password is asked here, not at confirm, because this answer
   * reveals the secret; confirming needs a code from that secret.
   */
  async enroll(person: Person, password: unknown, facts: RequestFacts): Promise<{ secret: string; uri: string }> {
    const user = this.#person(person.name);
    if (user.mfaEnrolled && !this.#recent(person.mfaAt)) {
      throw new BulwarkError("BWK_STEP_UP_REQUIRED", "replacing your authenticator needs an MFA check first: run `bulwark mfa verify`");
    }
    if (!isPasswordText(password)) throw new BulwarkError("BWK_INVALID_ARGUMENT", "enrolling an authenticator needs {password}: your current password");
    await provePassword(this.#deps, this.#throttle, user.name, password, facts, "MFA enrolment");
    const secret = generateTotpSecret();
    this.#deps.users.setPendingTotp(user.name, secret);
    return { secret, uri: otpauthUri({ account: user.name, secret }) };
  }

  /**
   * Confirms the pending secret with a code from it; returns recovery codes, shown only this once.
   * A wrong code is throttled and recorded like a failed step-up code: it is a 6-digit guess all the same.
   */
  confirm(person: Person, code: unknown, facts: RequestFacts): { recoveryCodes: string[] } {
    const totp = this.#deps.users.totp(person.name);
    if (!totp?.pending) throw new BulwarkError("BWK_INVALID_ARGUMENT", "no enrolment is waiting for a code: run `bulwark mfa enroll` first");
    this.#throttle.check(person.name, facts);
    const now = this.#deps.now();
    const result = typeof code === "string" ? verifyTotp(totp.pending, code, now) : { ok: false as const };
    if (!result.ok) {
      this.#throttle.fail(person.name, facts);
      this.reportFailure(person.name, "wrong code for the authenticator being enrolled", facts);
      throw new BulwarkError("BWK_MFA_REQUIRED", "that code does not match the new authenticator (check its clock)");
    }
    this.#throttle.succeed(person.name);
    const recoveryCodes = generateRecoveryCodes(RECOVERY_CODES);
    if (!this.#deps.users.confirmTotp(person.name, result.step, recoveryCodes.map(hashRecoveryCode))) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", "the enrolment was replaced meanwhile: run `bulwark mfa enroll` again");
    }
    this.#deps.sessions.markMfa(person.sessionId, now);
    return { recoveryCodes };
  }

  /** Step-up: checks a TOTP or recovery code and marks the session (throttled like a login). */
  verify(person: Person, code: unknown, facts: RequestFacts): { mfaAt: number; recoveryCodesLeft: number; via: string } {
    if (!this.#person(person.name).mfaEnrolled) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", "you have no authenticator yet: run `bulwark mfa enroll`");
    }
    this.#throttle.check(person.name, facts);
    const checked = this.check(person.name, code);
    if (!checked.ok) {
      this.#throttle.fail(person.name, facts);
      this.reportFailure(person.name, checked.reason, facts);
      throw new BulwarkError("BWK_MFA_REQUIRED", "the code is wrong, expired or already used");
    }
    this.#throttle.succeed(person.name);
    const now = this.#deps.now();
    this.#deps.sessions.markMfa(person.sessionId, now);
    return { mfaAt: now, recoveryCodesLeft: this.#deps.users.unusedRecoveryCodes(person.name), via: checked.via };
  }

  /**
   * Checks a second factor for an enrolled user and spends it: a TOTP step is accepted once (a
   * replayed code fails, RFC 6238 §5.2) and a recovery code is used up.
   */
  check(name: string, code: unknown): SecondFactor {
    if (typeof code !== "string" || code.length === 0 || code.length > MAX_CODE_LENGTH) return { ok: false, reason: "no code" };
    const totp = this.#deps.users.totp(name);
    if (!totp?.secret) return { ok: false, reason: "no authenticator enrolled" };
    const trimmed = code.trim();
    if (/^[0-9]{6}$/.test(trimmed)) {
      // Checked without the last step first, so a replay is told apart from a wrong code.
      const match = verifyTotp(totp.secret, trimmed, this.#deps.now());
      if (!match.ok) return { ok: false, reason: "wrong or out-of-window TOTP code" };
      if (!this.#deps.users.useTotpStep(name, match.step)) return { ok: false, reason: "replayed TOTP code" };
      return { ok: true, via: "totp" };
    }
    const recovery = normalizeRecoveryCode(trimmed);
    if (recovery === null) return { ok: false, reason: "not a TOTP or recovery code" };
    if (!this.#deps.users.useRecoveryCode(name, hashRecoveryCode(recovery), this.#deps.now())) {
      return { ok: false, reason: "unknown or already used recovery code" };
    }
    return { ok: true, via: "recovery-code" };
  }

  reportFailure(name: string, reason: string, facts: RequestFacts): void {
    this.#deps.events.record({
      type: "auth.mfa.failure",
      severity: reason.startsWith("replayed") || reason.includes("already used") ? "high" : "medium",
      reason,
      principal: name,
      clientIp: facts.clientIp,
      requestId: facts.requestId,
      route: "control",
    });
  }

  #recent(mfaAt: number | null): boolean {
    const age = mfaAt === null ? Infinity : this.#deps.now() - mfaAt;
    return age >= 0 && age <= STEP_UP_WINDOW_MS;
  }

  #person(name: string) {
    const user = this.#deps.users.get(name);
    if (!user || user.disabled) throw new BulwarkError("BWK_UNAUTHORIZED", "this account no longer exists or is disabled");
    return user;
  }
}

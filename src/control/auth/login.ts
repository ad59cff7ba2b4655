// Signing in: user name + password (+ a second factor once enrolled) → a random session token,
// stored only as its SHA-256, expiring, revocable. Every refusal looks the same from outside:
// an unknown user, a disabled one and a wrong password all cost one scrypt derivation (the unknown
// user's against no hash, CWE-204/CWE-208) and all answer the same 401.
import { randomBytes } from "node:crypto";
import { BulwarkError } from "../../core/errors.ts";
import { hashPassword, needsRehash, verifyPassword } from "../../core/people/password.ts";
import { generateToken, hashToken } from "../../core/people/tokens.ts";
import type { PeopleDeps, RequestFacts } from "./deps.ts";
import type { MfaService } from "./mfa.ts";
import type { LoginThrottle } from "./throttle.ts";

export interface LoginRequest {
  user: string;
  password: string;
  code?: string;
}

export interface LoginResult {
  token: string;
  user: string;
  roles: string[];
  expiresAt: string;
  mfaEnrolled: boolean;
  /** The sign-in included a second factor, so step-up actions are allowed for the next 5 minutes. */
  mfaVerified: boolean;
  /** The password is a one-time one: nothing but account actions until it is changed. */
  passwordChangeRequired: boolean;
}

const MAX_FIELD = 1024;

export class LoginService {
  readonly #deps: PeopleDeps;
  readonly #throttle: LoginThrottle;
  readonly #mfa: MfaService;
  readonly #sessionTtlMs: number;

  constructor(deps: PeopleDeps, throttle: LoginThrottle, mfa: MfaService, sessionTtlMs: number) {
    this.#deps = deps;
    this.#throttle = throttle;
    this.#mfa = mfa;
    this.#sessionTtlMs = sessionTtlMs;
  }

  async login(body: unknown, facts: RequestFacts): Promise<LoginResult> {
    const request = parseLogin(body);
    const name = request.user.toLowerCase();
    this.#throttle.check(name, facts);
    const user = this.#deps.users.get(name);
    const passwordOk = await verifyPassword(request.password, user?.passwordHash ?? "");
    if (!user || !passwordOk || user.disabled) {
      return this.#fail(name, !user ? "unknown user" : !passwordOk ? "wrong password" : "disabled user", facts);
    }
    let mfaVerified = false;
    if (user.mfaEnrolled) {
      // A right password without a code is not a failure, and it is not a success either: the
      // failure count stays until the second factor is shown.
      if (request.code === undefined) throw new BulwarkError("BWK_MFA_REQUIRED", "this account needs a TOTP code (or a recovery code)");
      const checked = this.#mfa.check(name, request.code);
      if (!checked.ok) {
        this.#mfa.reportFailure(name, checked.reason, facts);
        return this.#fail(name, checked.reason, facts, "BWK_MFA_REQUIRED");
      }
      mfaVerified = true;
    }
    this.#throttle.succeed(name);
    if (needsRehash(user.passwordHash)) this.#deps.users.setPasswordHash(name, await hashPassword(request.password), user.passwordTemporary);
    const now = this.#deps.now();
    const token = generateToken("bws");
    const expiresAt = now + this.#sessionTtlMs;
    // Ended sessions stay a day for the record, then go.
    this.#deps.sessions.prune(now - 24 * 3600_000);
    this.#deps.sessions.create({
      id: randomBytes(9).toString("base64url"),
      tokenHash: hashToken(token),
      user: name,
      now,
      expiresAt,
      mfaAt: mfaVerified ? now : null,
    });
    return {
      token,
      user: name,
      roles: user.roles,
      expiresAt: new Date(expiresAt).toISOString(),
      mfaEnrolled: user.mfaEnrolled,
      mfaVerified,
      passwordChangeRequired: user.passwordTemporary,
    };
  }

  #fail(name: string, reason: string, facts: RequestFacts, code: "BWK_UNAUTHORIZED" | "BWK_MFA_REQUIRED" = "BWK_UNAUTHORIZED"): never {
    this.#throttle.fail(name, facts);
    this.#deps.events.record({
      type: "auth.failure",
      severity: "low",
      reason: `sign-in refused: ${reason}`,
      principal: name,
      clientIp: facts.clientIp,
      requestId: facts.requestId,
      route: "control",
    });
    throw new BulwarkError(code, code === "BWK_MFA_REQUIRED" ? "the code is wrong, expired or already used" : "wrong user name or password");
  }
}

function parseLogin(body: unknown): LoginRequest {
  const b = (body ?? {}) as Record<string, unknown>;
  const text = (v: unknown) => typeof v === "string" && v.length > 0 && v.length <= MAX_FIELD;
  if (typeof b !== "object" || !text(b.user) || !text(b.password) || (b.code !== undefined && !text(b.code))) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "a sign-in needs {user, password} strings (and code, once MFA is enrolled)");
  }
  return { user: b.user as string, password: b.password as string, ...(b.code === undefined ? {} : { code: b.code as string }) };
}

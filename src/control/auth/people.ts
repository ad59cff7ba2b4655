// The people service of the control plane: who is calling (session, CI token or local operator
// token), whether they may (guard.ts), and the account services behind the auth, users and tokens
// routes. Platform.start builds one; api.ts asks it about every request.
import { createHash, timingSafeEqual } from "node:crypto";
import type { DatabaseSync } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import type { BackoffOptions } from "../../core/people/backoff.ts";
import { generatePassword, hashPassword } from "../../core/people/password.ts";
import { ROLES, type Action } from "../../core/people/roles.ts";
import { hashToken, tokenPrefixOf } from "../../core/people/tokens.ts";
import { SqliteUserStore, type TotpSealer } from "../../store/sqlite/users.ts";
import { SqliteSessionStore } from "../../store/sqlite/users-sessions.ts";
import { SqliteCiTokenStore } from "../../store/sqlite/users-tokens.ts";
import { AccountService } from "./accounts.ts";
import { CiTokenService } from "./ci-tokens.ts";
import type { PeopleDeps } from "./deps.ts";
import { grants, guard, type GuardContext, type RouteAction } from "./guard.ts";
import { LoginService } from "./login.ts";
import { MfaService } from "./mfa.ts";
import { PasswordService } from "./passwords.ts";
import { isStage, LOCAL_OPERATOR, type Principal } from "./principal.ts";
import { LoginThrottle } from "./throttle.ts";

export interface PeopleOptions {
  /** How long a session lasts from sign-in (default 12 h). */
  sessionTtlMs?: number;
  backoff?: Partial<BackoffOptions>;
}

export type Authentication = { principal: Principal | null; failure?: string };

const DEFAULT_SESSION_TTL_MS = 12 * 3600_000;
export const FIRST_ADMIN = "admin";

export class People {
  readonly login: LoginService;
  readonly mfa: MfaService;
  readonly passwords: PasswordService;
  readonly accounts: AccountService;
  readonly ciTokens: CiTokenService;
  readonly #deps: PeopleDeps;

  constructor(deps: PeopleDeps, options: PeopleOptions = {}) {
    this.#deps = deps;
    const throttle = new LoginThrottle(deps, options.backoff);
    this.mfa = new MfaService(deps, throttle);
    this.passwords = new PasswordService(deps, throttle);
    this.login = new LoginService(deps, throttle, this.mfa, options.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS);
    this.accounts = new AccountService(deps);
    this.ciTokens = new CiTokenService(deps);
  }

  /** The people stores in the state database. */
  static open(
    db: DatabaseSync,
    reporting: Pick<PeopleDeps, "audit" | "events" | "log">,
    options: PeopleOptions & { now?: () => number; sealer: TotpSealer },
  ): People {
    const deps: PeopleDeps = {
      users: new SqliteUserStore(db, options.sealer),
      sessions: new SqliteSessionStore(db),
      ciTokens: new SqliteCiTokenStore(db),
      now: options.now ?? Date.now,
      ...reporting,
    };
    return new People(deps, options);
  }

  /**
   * On a platform with no users yet, creates `admin` with a random password that the caller shows
   * once; null when users exist. The admin signs in and enrols MFA before granting any role.
   */
  async createFirstAdmin(): Promise<{ user: string; password: string } | null> {
    if (this.#deps.users.count() > 0) return null;
    const password = generatePassword();
    this.#deps.users.create({ name: FIRST_ADMIN, passwordHash: await hashPassword(password), roles: ["admin"], createdBy: "platform", now: this.#deps.now() });
    this.#deps.audit.append({
      actor: { type: "platform", id: "bootstrap" },
      action: "users.manage",
      target: `user:${FIRST_ADMIN}`,
      outcome: "success",
      details: { change: "first admin created", roles: ["admin"] },
    });
    return { user: FIRST_ADMIN, password };
  }

  /**
   * Resolves an Authorization header to a caller. `localToken` is the operator token in the data
   * dir; it is compared by digest so the time taken says nothing about it (CWE-208).
   */
  authenticator(localToken: string): (header: string | undefined) => Authentication {
    const local = digest(localToken);
    return (header) => {
      if (header === undefined || header === "") return { principal: null };
      const match = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(header);
      if (!match) return { principal: null, failure: "malformed Authorization header" };
      const token = match[1]!;
      switch (tokenPrefixOf(token)) {
        case "bws":
          return this.#session(token);
        case "bwci":
          return this.#ciToken(token);
        default:
          return timingSafeEqual(digest(token), local) ? { principal: { kind: "local" } } : { principal: null, failure: "unknown token" };
      }
    };
  }

  /** Throws the 401/403 refusal for this caller and route action (guard.ts). */
  guard(action: RouteAction | null, principal: Principal | null, failure?: string, context?: GuardContext): void {
    guard(action, principal, this.#deps.now(), failure, context);
  }

  /** Whether the caller's roles grant the action, a second factor aside (guard.ts). */
  grants(action: Action, principal: Principal | null, context?: GuardContext): boolean {
    return grants(action, principal, context);
  }

  logout(principal: Principal | null): { revoked: boolean } {
    if (principal?.kind !== "user") throw new BulwarkError("BWK_INVALID_ARGUMENT", "only a session can be signed out");
    this.#deps.sessions.revoke(principal.sessionId, this.#deps.now());
    return { revoked: true };
  }

  whoami(principal: Principal | null) {
    switch (principal?.kind) {
      case "user":
        return {
          kind: "user",
          user: principal.name,
          roles: principal.roles,
          mfaEnrolled: principal.mfaEnrolled,
          passwordChangeRequired: principal.passwordChangeRequired,
          mfaAt: principal.mfaAt === null ? null : new Date(principal.mfaAt).toISOString(),
        };
      case "ci":
        return { kind: "ci", id: principal.id, name: principal.name, roles: [principal.role], stage: principal.stage };
      default:
        return { kind: "local", user: LOCAL_OPERATOR, roles: [...ROLES] };
    }
  }

  #session(token: string): Authentication {
    const session = this.#deps.sessions.byTokenHash(hashToken(token));
    if (!session) return { principal: null, failure: "unknown session" };
    if (session.revokedAt !== null) return { principal: null, failure: "revoked session" };
    if (session.expiresAt <= this.#deps.now()) return { principal: null, failure: "expired session" };
    const user = this.#deps.users.get(session.user);
    if (!user || user.disabled) return { principal: null, failure: "session of a disabled user" };
    return {
      principal: {
        kind: "user",
        name: user.name,
        roles: user.roles,
        sessionId: session.id,
        mfaAt: session.mfaAt,
        mfaEnrolled: user.mfaEnrolled,
        passwordChangeRequired: user.passwordTemporary,
      },
    };
  }

  #ciToken(token: string): Authentication {
    const record = this.#deps.ciTokens.byTokenHash(hashToken(token));
    if (!record) return { principal: null, failure: "unknown CI token" };
    if (record.revokedAt !== null) return { principal: null, failure: "revoked CI token" };
    if (record.expiresAt <= this.#deps.now()) return { principal: null, failure: "expired CI token" };
    if (!isStage(record.stage)) return { principal: null, failure: "CI token with an unknown stage" };
    return { principal: { kind: "ci", id: record.id, name: record.name, role: record.role, stage: record.stage } };
  }
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

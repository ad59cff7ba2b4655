// Administering people: add (with a generated one-time password), list, disable, enable, set
// roles, reset a lost authenticator. The platform never loses its last enabled admin this way;
// the local operator token stays as break-glass either way.
import { BulwarkError } from "../../core/errors.ts";
import { generatePassword, hashPassword } from "../../core/people/password.ts";
import { isRole, ROLES, type Role } from "../../core/people/roles.ts";
import type { PeopleDeps } from "./deps.ts";
import { isUserName } from "./principal.ts";

export interface UserView {
  name: string;
  roles: string[];
  disabled: boolean;
  mfaEnrolled: boolean;
  createdAt: string;
  createdBy: string;
}

export class AccountService {
  readonly #deps: PeopleDeps;

  constructor(deps: PeopleDeps) {
    this.#deps = deps;
  }

  /** Creates a user with a random password, returned only in this answer. */
  async add(name: unknown, roles: unknown, createdBy: string): Promise<{ user: UserView; password: string }> {
    if (!isUserName(name)) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", 'a user name is 1-32 of a-z 0-9 . _ - starting with a letter (and not a reserved name)');
    }
    const checked = parseRoles(roles);
    const password = generatePassword();
    this.#deps.users.create({ name, passwordHash: await hashPassword(password), roles: checked, createdBy, now: this.#deps.now() });
    return { user: this.#view(name), password };
  }

  list(): UserView[] {
    return this.#deps.users.list().map((u) => view(u));
  }

  setRoles(name: string, roles: unknown): UserView {
    const checked = parseRoles(roles);
    this.#existing(name);
    if (!checked.includes("admin")) this.#keepAnAdmin(name);
    this.#deps.users.setRoles(name, checked);
    return this.#view(name);
  }

  /**
   * Disables the account, ends its sessions and revokes the CI tokens it created, at once.
   *
   * The tokens are revoked now rather than checked against their creator on each use: a disable
   * often follows a suspected compromise, and tokens minted from that account are suspect too, so
   * re-enabling the person must not quietly bring them back (a new token is one step-up call
   * away). Revoking is also one audited act whose result `tokens ls` shows with its reason,
   * where a per-use check would leave tokens listed as active that no longer work.
   */
  disable(name: string): UserView & { sessionsRevoked: number; ciTokensRevoked: string[] } {
    this.#existing(name);
    this.#keepAnAdmin(name);
    const now = this.#deps.now();
    this.#deps.users.setDisabled(name, true);
    const sessionsRevoked = this.#deps.sessions.revokeAllOf(name, now);
    // A token names its creator as the audit trail names a person (routes/users.ts `by`).
    const ciTokensRevoked = this.#deps.ciTokens.revokeCreatedBy(`user:${name}`, now, `its creator ${name} was disabled`);
    return { ...this.#view(name), sessionsRevoked, ciTokensRevoked };
  }

  enable(name: string): UserView {
    this.#existing(name);
    this.#deps.users.setDisabled(name, false);
    return this.#view(name);
  }

  /** A new one-time password (the old one forgotten, or the user locked out of it); ends the user's sessions. */
  async resetPassword(name: string): Promise<{ user: UserView; password: string }> {
    this.#existing(name);
    const password = generatePassword();
    this.#deps.users.setPasswordHash(name, await hashPassword(password), true);
    this.#deps.sessions.revokeAllOf(name, this.#deps.now());
    return { user: this.#view(name), password };
  }

  /** For a lost device: removes the authenticator and recovery codes and ends the user's sessions. */
  resetMfa(name: string): UserView {
    this.#existing(name);
    this.#deps.users.clearTotp(name);
    this.#deps.sessions.revokeAllOf(name, this.#deps.now());
    return this.#view(name);
  }

  #existing(name: string) {
    const user = this.#deps.users.get(name);
    if (!user) throw new BulwarkError("BWK_NOT_FOUND", `no user named "${name}"`);
    return user;
  }

  #view(name: string): UserView {
    return view(this.#existing(name));
  }

  /** Refuses a change that would leave no enabled admin (the change to `name` is assumed). */
  #keepAnAdmin(name: string): void {
    const others = this.#deps.users.list().filter((u) => u.name !== name && !u.disabled && u.roles.includes("admin"));
    const target = this.#existing(name);
    if (others.length === 0 && target.roles.includes("admin") && !target.disabled) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `"${name}" is the last enabled admin; make another admin first`);
    }
  }
}

export function parseRoles(roles: unknown): Role[] {
  if (!Array.isArray(roles) || roles.length > ROLES.length || !roles.every(isRole)) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `roles must be a list of: ${ROLES.join(", ")}`);
  }
  return [...new Set(roles)].sort();
}

function view(u: { name: string; roles: string[]; disabled: boolean; mfaEnrolled: boolean; createdAt: number; createdBy: string }): UserView {
  return {
    name: u.name,
    roles: u.roles,
    disabled: u.disabled,
    mfaEnrolled: u.mfaEnrolled,
    createdAt: new Date(u.createdAt).toISOString(),
    createdBy: u.createdBy,
  };
}

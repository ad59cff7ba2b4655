// SQLite adapter of the user store: accounts, roles, the TOTP authenticator and recovery codes.
import type { DatabaseSync } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import type { SealedValue } from "../sealed.ts";
import type { TotpState, UserRecord, UserStore } from "../users.ts";
import { transaction } from "./tx.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS users (
  name TEXT PRIMARY KEY, password_hash TEXT NOT NULL, roles TEXT NOT NULL,
  password_temporary INTEGER NOT NULL DEFAULT 1,
  disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL, created_by TEXT NOT NULL,
  totp_last_step INTEGER
);
CREATE TABLE IF NOT EXISTS user_totp (
  user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  slot TEXT NOT NULL CHECK (slot IN ('active', 'pending')),
  wrapped_key BLOB NOT NULL, ciphertext BLOB NOT NULL,
  PRIMARY KEY (user, slot)
);
CREATE TABLE IF NOT EXISTS recovery_codes (
  user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  code_hash TEXT NOT NULL, used_at INTEGER,
  PRIMARY KEY (user, code_hash)
);
`;

/**
 * How a TOTP secret is kept at rest. The server must read it back to compute codes, so it cannot
 * be hashed: it is sealed under the master key (envelope encryption bound to the user's name), and
 * its wrapped data key sits in user_totp.wrapped_key where `keys rotate-master` rewraps it.
 */
export interface TotpSealer {
  seal(user: string, secret: string): SealedValue;
  open(user: string, sealed: SealedValue): string;
}

interface UserRow {
  name: string;
  password_hash: string;
  password_temporary: number;
  roles: string;
  disabled: number;
  created_at: number;
  created_by: string;
  enrolled: number;
}

const SELECT_USER = `SELECT name, password_hash, password_temporary, roles, disabled, created_at, created_by,
  EXISTS (SELECT 1 FROM user_totp t WHERE t.user = users.name AND t.slot = 'active') AS enrolled FROM users`;
const ACTIVE = "EXISTS (SELECT 1 FROM user_totp t WHERE t.user = users.name AND t.slot = 'active')";

export class SqliteUserStore implements UserStore {
  readonly #db: DatabaseSync;
  readonly #sealer: TotpSealer;

  constructor(db: DatabaseSync, sealer: TotpSealer) {
    this.#db = db;
    this.#sealer = sealer;
    db.exec(SCHEMA);
  }

  count(): number {
    return (this.#db.prepare("SELECT COUNT(*) AS n FROM users").get() as { n: number }).n;
  }

  create(user: { name: string; passwordHash: string; roles: string[]; createdBy: string; now: number }): void {
    const result = this.#db
      .prepare("INSERT INTO users (name, password_hash, roles, created_at, created_by) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")
      .run(user.name, user.passwordHash, JSON.stringify(user.roles), user.now, user.createdBy);
    if (result.changes !== 1) throw new BulwarkError("BWK_INVALID_ARGUMENT", `a user named "${user.name}" already exists`);
  }

  get(name: string): UserRecord | undefined {
    const row = this.#db.prepare(`${SELECT_USER} WHERE name = ?`).get(name) as UserRow | undefined;
    return row && toUser(row);
  }

  list(): UserRecord[] {
    return (this.#db.prepare(`${SELECT_USER} ORDER BY name`).all() as unknown as UserRow[]).map(toUser);
  }

  setRoles(name: string, roles: string[]): void {
    this.#update("UPDATE users SET roles = ? WHERE name = ?", name, JSON.stringify(roles), name);
  }

  setDisabled(name: string, disabled: boolean): void {
    this.#update("UPDATE users SET disabled = ? WHERE name = ?", name, disabled ? 1 : 0, name);
  }

  setPasswordHash(name: string, passwordHash: string, temporary: boolean): void {
    this.#update("UPDATE users SET password_hash = ?, password_temporary = ? WHERE name = ?", name, passwordHash, temporary ? 1 : 0, name);
  }

  totp(name: string): TotpState | undefined {
    const user = this.#db.prepare("SELECT totp_last_step FROM users WHERE name = ?").get(name) as { totp_last_step: number | null } | undefined;
    if (!user) return undefined;
    const rows = this.#db.prepare("SELECT slot, wrapped_key, ciphertext FROM user_totp WHERE user = ?").all(name) as unknown as Array<{
      slot: string;
      wrapped_key: Uint8Array;
      ciphertext: Uint8Array;
    }>;
    const open = (slot: string) => {
      const row = rows.find((r) => r.slot === slot);
      return row ? this.#sealer.open(name, { wrappedKey: Buffer.from(row.wrapped_key), ciphertext: Buffer.from(row.ciphertext) }) : null;
    };
    return { secret: open("active"), pending: open("pending"), lastStep: user.totp_last_step };
  }

  setPendingTotp(name: string, secret: string): void {
    if (!this.get(name)) throw new BulwarkError("BWK_NOT_FOUND", `no user named "${name}"`);
    const sealed = this.#sealer.seal(name, secret);
    this.#db
      .prepare("INSERT OR REPLACE INTO user_totp (user, slot, wrapped_key, ciphertext) VALUES (?, 'pending', ?, ?)")
      .run(name, sealed.wrappedKey, sealed.ciphertext);
  }

  confirmTotp(name: string, step: number, recoveryCodeHashes: string[]): boolean {
    return transaction(this.#db, () => {
      const pending = this.#db.prepare("SELECT 1 FROM user_totp WHERE user = ? AND slot = 'pending'").get(name);
      if (pending === undefined) return false;
      this.#db.prepare("DELETE FROM user_totp WHERE user = ? AND slot = 'active'").run(name);
      this.#db.prepare("UPDATE user_totp SET slot = 'active' WHERE user = ? AND slot = 'pending'").run(name);
      this.#db.prepare("UPDATE users SET totp_last_step = ? WHERE name = ?").run(step, name);
      this.#db.prepare("DELETE FROM recovery_codes WHERE user = ?").run(name);
      const insert = this.#db.prepare("INSERT INTO recovery_codes (user, code_hash) VALUES (?, ?)");
      for (const hash of recoveryCodeHashes) insert.run(name, hash);
      return true;
    });
  }

  useTotpStep(name: string, step: number): boolean {
    // One conditional UPDATE: two requests racing with the same code cannot both see the old step.
    const result = this.#db
      .prepare(`UPDATE users SET totp_last_step = ? WHERE name = ? AND ${ACTIVE} AND (totp_last_step IS NULL OR totp_last_step < ?)`)
      .run(step, name, step);
    return result.changes === 1;
  }

  useRecoveryCode(name: string, codeHash: string, now: number): boolean {
    const result = this.#db
      .prepare("UPDATE recovery_codes SET used_at = ? WHERE user = ? AND code_hash = ? AND used_at IS NULL")
      .run(now, name, codeHash);
    return result.changes === 1;
  }

  clearTotp(name: string): void {
    transaction(this.#db, () => {
      this.#update("UPDATE users SET totp_last_step = NULL WHERE name = ?", name, name);
      this.#db.prepare("DELETE FROM user_totp WHERE user = ?").run(name);
      this.#db.prepare("DELETE FROM recovery_codes WHERE user = ?").run(name);
    });
  }

  unusedRecoveryCodes(name: string): number {
    return (this.#db.prepare("SELECT COUNT(*) AS n FROM recovery_codes WHERE user = ? AND used_at IS NULL").get(name) as { n: number }).n;
  }

  #update(sql: string, name: string, ...args: Array<string | number | Uint8Array>): void {
    if (this.#db.prepare(sql).run(...args).changes !== 1) throw new BulwarkError("BWK_NOT_FOUND", `no user named "${name}"`);
  }
}

function toUser(row: UserRow): UserRecord {
  const roles = JSON.parse(row.roles) as unknown;
  return {
    name: row.name,
    passwordHash: row.password_hash,
    passwordTemporary: row.password_temporary !== 0,
    roles: Array.isArray(roles) ? roles.filter((r): r is string => typeof r === "string") : [],
    disabled: row.disabled !== 0,
    mfaEnrolled: row.enrolled !== 0,
    createdAt: row.created_at,
    createdBy: row.created_by,
  };
}

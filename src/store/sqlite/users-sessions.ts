// SQLite adapter of the session store: console/CLI sessions, looked up by the SHA-256 of their token.
import type { DatabaseSync } from "node:sqlite";
import type { SessionRecord, SessionStore } from "../users.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sessions (
  id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE,
  user TEXT NOT NULL REFERENCES users (name) ON DELETE CASCADE,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, mfa_at INTEGER, revoked_at INTEGER
);
CREATE INDEX IF NOT EXISTS sessions_by_user ON sessions (user);
`;

interface SessionRow {
  id: string;
  user: string;
  created_at: number;
  expires_at: number;
  mfa_at: number | null;
  revoked_at: number | null;
}

export class SqliteSessionStore implements SessionStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(SCHEMA);
  }

  create(s: { id: string; tokenHash: string; user: string; now: number; expiresAt: number; mfaAt: number | null }): void {
    this.#db
      .prepare("INSERT INTO sessions (id, token_hash, user, created_at, expires_at, mfa_at) VALUES (?, ?, ?, ?, ?, ?)")
      .run(s.id, s.tokenHash, s.user, s.now, s.expiresAt, s.mfaAt);
  }

  byTokenHash(tokenHash: string): SessionRecord | undefined {
    const row = this.#db
      .prepare("SELECT id, user, created_at, expires_at, mfa_at, revoked_at FROM sessions WHERE token_hash = ?")
      .get(tokenHash) as SessionRow | undefined;
    return row && {
      id: row.id,
      user: row.user,
      createdAt: row.created_at,
      expiresAt: row.expires_at,
      mfaAt: row.mfa_at,
      revokedAt: row.revoked_at,
    };
  }

  markMfa(id: string, now: number): void {
    this.#db.prepare("UPDATE sessions SET mfa_at = ? WHERE id = ? AND revoked_at IS NULL").run(now, id);
  }

  revoke(id: string, now: number): void {
    this.#db.prepare("UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL").run(now, id);
  }

  revokeAllOf(user: string, now: number, exceptId = ""): number {
    const sql = "UPDATE sessions SET revoked_at = ? WHERE user = ? AND id != ? AND revoked_at IS NULL";
    return Number(this.#db.prepare(sql).run(now, user, exceptId).changes);
  }

  prune(before: number): void {
    this.#db.prepare("DELETE FROM sessions WHERE expires_at < ? OR revoked_at < ?").run(before, before);
  }
}

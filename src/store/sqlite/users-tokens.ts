// SQLite adapter of the CI token store: tokens scoped to one role and one stage, with an expiry.
import type { DatabaseSync } from "node:sqlite";
import type { CiTokenRecord, CiTokenStore } from "../users.ts";
import { addMissingColumn } from "./tx.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS ci_tokens (
  id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL,
  role TEXT NOT NULL, stage TEXT NOT NULL, created_by TEXT NOT NULL,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER, revoked_reason TEXT
);
`;

interface TokenRow {
  id: string;
  name: string;
  role: string;
  stage: string;
  created_by: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  revoked_reason: string | null;
}

const COLUMNS = "id, name, role, stage, created_by, created_at, expires_at, revoked_at, revoked_reason";

export class SqliteCiTokenStore implements CiTokenStore {
  readonly #db: DatabaseSync;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(SCHEMA);
    // Databases from before revocation reasons were kept.
    addMissingColumn(db, "ci_tokens", "revoked_reason", "TEXT");
  }

  create(t: Omit<CiTokenRecord, "revokedAt" | "revokedReason"> & { tokenHash: string }): void {
    this.#db
      .prepare("INSERT INTO ci_tokens (id, token_hash, name, role, stage, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .run(t.id, t.tokenHash, t.name, t.role, t.stage, t.createdBy, t.createdAt, t.expiresAt);
  }

  byTokenHash(tokenHash: string): CiTokenRecord | undefined {
    const row = this.#db.prepare(`SELECT ${COLUMNS} FROM ci_tokens WHERE token_hash = ?`).get(tokenHash) as TokenRow | undefined;
    return row && toToken(row);
  }

  list(): CiTokenRecord[] {
    return (this.#db.prepare(`SELECT ${COLUMNS} FROM ci_tokens ORDER BY created_at, id`).all() as unknown as TokenRow[]).map(toToken);
  }

  revoke(id: string, now: number, reason: string): boolean {
    return this.#db.prepare("UPDATE ci_tokens SET revoked_at = ?, revoked_reason = ? WHERE id = ? AND revoked_at IS NULL").run(now, reason, id).changes === 1;
  }

  revokeCreatedBy(createdBy: string, now: number, reason: string): string[] {
    const rows = this.#db
      .prepare("UPDATE ci_tokens SET revoked_at = ?, revoked_reason = ? WHERE created_by = ? AND revoked_at IS NULL RETURNING id")
      .all(now, reason, createdBy) as Array<{ id: string }>;
    return rows.map((r) => r.id).sort();
  }
}

function toToken(row: TokenRow): CiTokenRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    stage: row.stage,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
  };
}

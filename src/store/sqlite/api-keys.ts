// SQLite adapter of the API key port (node:sqlite), in the state database.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import type { ApiKeyRecord, ApiKeyStore } from "../api-keys.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS api_keys (
  name TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, prefix TEXT NOT NULL, scope TEXT NOT NULL,
  roles TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT, revoked_at TEXT
);
`;

interface KeyRow {
  name: string;
  prefix: string;
  scope: string;
  roles: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

const COLUMNS = "name, prefix, scope, roles, created_at, expires_at, revoked_at";

export class SqliteApiKeyStore implements ApiKeyStore {
  readonly #insert: StatementSync;
  readonly #byHash: StatementSync;
  readonly #byName: StatementSync;
  readonly #all: StatementSync;
  readonly #revoke: StatementSync;

  constructor(db: DatabaseSync) {
    db.exec(SCHEMA);
    this.#insert = db.prepare(`INSERT INTO api_keys (${COLUMNS}, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.#byHash = db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE hash = ?`);
    this.#byName = db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE name = ?`);
    this.#all = db.prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, name`);
    this.#revoke = db.prepare("UPDATE api_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL");
  }

  insert(record: ApiKeyRecord, hash: string): void {
    if (this.#byName.get(record.name) !== undefined) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `a key named "${record.name}" already exists (revoked keys keep their names)`);
    }
    this.#insert.run(
      record.name,
      record.prefix,
      JSON.stringify(record.scope),
      JSON.stringify(record.roles),
      record.createdAt,
      record.expiresAt,
      record.revokedAt,
      hash,
    );
  }

  findByHash(hash: string): ApiKeyRecord | undefined {
    const row = this.#byHash.get(hash) as KeyRow | undefined;
    return row && toRecord(row);
  }

  list(): ApiKeyRecord[] {
    return (this.#all.all() as unknown as KeyRow[]).map(toRecord);
  }

  revoke(name: string, at: string): ApiKeyRecord | undefined {
    this.#revoke.run(at, name);
    const row = this.#byName.get(name) as KeyRow | undefined;
    return row && toRecord(row);
  }
}

function toRecord(row: KeyRow): ApiKeyRecord {
  return {
    name: row.name,
    prefix: row.prefix,
    scope: JSON.parse(row.scope) as ApiKeyRecord["scope"],
    roles: JSON.parse(row.roles) as string[],
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

// SQLite adapter of the secrets port. `secret_names` remembers the last version ever issued per
// name (also after rm), so versions are never reused.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import type { SealedValue } from "../sealed.ts";
import type { SecretStore, SecretSummary, SecretVersion } from "../secrets.ts";
import { transaction } from "./tx.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS secret_names (name TEXT PRIMARY KEY, last_version INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS secrets (
  name TEXT NOT NULL, version INTEGER NOT NULL, wrapped_key BLOB NOT NULL, ciphertext BLOB NOT NULL,
  created_at TEXT NOT NULL, PRIMARY KEY (name, version)
) WITHOUT ROWID;
`;

interface Row {
  name: string;
  version: number;
  wrapped_key: Uint8Array;
  ciphertext: Uint8Array;
  created_at: string;
}

export class SqliteSecretStore implements SecretStore {
  readonly #db: DatabaseSync;
  readonly #sql: Record<"latest" | "last" | "setLast" | "insert" | "remove" | "list" | "prune", StatementSync>;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#sql = {
      latest: db.prepare("SELECT * FROM secrets WHERE name = ? ORDER BY version DESC LIMIT 1"),
      last: db.prepare("SELECT last_version FROM secret_names WHERE name = ?"),
      setLast: db.prepare(
        "INSERT INTO secret_names (name, last_version) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET last_version = excluded.last_version",
      ),
      insert: db.prepare("INSERT INTO secrets (name, version, wrapped_key, ciphertext, created_at) VALUES (?, ?, ?, ?, ?)"),
      remove: db.prepare("DELETE FROM secrets WHERE name = ?"),
      list: db.prepare(
        "SELECT name, MAX(version) AS version, COUNT(*) AS versions, MAX(created_at) AS updated_at FROM secrets GROUP BY name ORDER BY name",
      ),
      prune: db.prepare("DELETE FROM secrets WHERE name = ? AND version <= (SELECT MAX(version) FROM secrets WHERE name = ?) - ?"),
    };
  }

  latest(name: string): SecretVersion | undefined {
    const row = this.#sql.latest.get(name) as Row | undefined;
    if (row === undefined) return undefined;
    return {
      name: row.name,
      version: row.version,
      wrappedKey: Buffer.from(row.wrapped_key),
      ciphertext: Buffer.from(row.ciphertext),
      createdAt: row.created_at,
    };
  }

  add(name: string, mode: "create" | "rotate", seal: (version: number) => SealedValue): number {
    return transaction(this.#db, () => {
      const exists = this.#sql.latest.get(name) !== undefined;
      if (mode === "create" && exists) {
        throw new BulwarkError("BWK_INVALID_ARGUMENT", `secret ${name} already exists; give it a new version with \`bulwark secrets rotate ${name}\``);
      }
      if (mode === "rotate" && !exists) throw new BulwarkError("BWK_NOT_FOUND", `no secret named ${name}`);
      const last = this.#sql.last.get(name) as { last_version: number } | undefined;
      const version = (last?.last_version ?? 0) + 1;
      const sealed = seal(version);
      this.#sql.insert.run(name, version, sealed.wrappedKey, sealed.ciphertext, new Date().toISOString());
      this.#sql.setLast.run(name, version);
      return version;
    });
  }

  remove(name: string): boolean {
    return Number(this.#sql.remove.run(name).changes) > 0;
  }

  list(): SecretSummary[] {
    const rows = this.#sql.list.all() as Array<{ name: string; version: number; versions: number; updated_at: string }>;
    return rows.map((r) => ({ name: r.name, version: r.version, versions: r.versions, updatedAt: r.updated_at }));
  }

  prune(name: string, keep: number): void {
    this.#sql.prune.run(name, name, keep);
  }
}

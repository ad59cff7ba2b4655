// SQLite adapter of the artifact port, in the state database: a deploy records its versions and
// their signed artifacts in the same transaction (StateStore.deploy's `within`).
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { ArtifactDocumentKind, ArtifactRecord, ArtifactStore } from "../artifacts.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS artifact_documents (sha256 TEXT PRIMARY KEY, kind TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS artifacts (
  function TEXT NOT NULL, version INTEGER NOT NULL, app TEXT NOT NULL,
  bundle_sha256 TEXT NOT NULL, sbom_sha256 TEXT NOT NULL, report_sha256 TEXT NOT NULL,
  signature TEXT NOT NULL, key_id TEXT NOT NULL, signed_at TEXT NOT NULL,
  PRIMARY KEY (function, version)
);
`;

interface Row {
  function: string;
  version: number;
  app: string;
  bundle_sha256: string;
  sbom_sha256: string;
  report_sha256: string;
  signature: string;
  key_id: string;
  signed_at: string;
}

export class SqliteArtifactStore implements ArtifactStore {
  readonly #putDocument: StatementSync;
  readonly #document: StatementSync;
  readonly #record: StatementSync;
  readonly #find: StatementSync;

  constructor(db: DatabaseSync) {
    db.exec(SCHEMA);
    this.#putDocument = db.prepare("INSERT OR IGNORE INTO artifact_documents (sha256, kind, body) VALUES (?, ?, ?)");
    this.#document = db.prepare("SELECT body FROM artifact_documents WHERE sha256 = ? AND kind = ?");
    this.#record = db.prepare(
      "INSERT INTO artifacts (function, version, app, bundle_sha256, sbom_sha256, report_sha256, signature, key_id, signed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.#find = db.prepare("SELECT * FROM artifacts WHERE function = ? AND version = ?");
  }

  putDocument(sha256: string, kind: ArtifactDocumentKind, body: string): void {
    this.#putDocument.run(sha256, kind, body);
  }

  document(sha256: string, kind: ArtifactDocumentKind): string | undefined {
    return (this.#document.get(sha256, kind) as { body: string } | undefined)?.body;
  }

  record(a: ArtifactRecord): void {
    this.#record.run(a.function, a.version, a.app, a.bundle, a.sbom, a.report, a.signature, a.keyId, a.signedAt);
  }

  find(fn: string, version: number): ArtifactRecord | undefined {
    const row = this.#find.get(fn, version) as Row | undefined;
    if (!row) return undefined;
    return {
      app: row.app,
      function: row.function,
      version: row.version,
      bundle: row.bundle_sha256,
      sbom: row.sbom_sha256,
      report: row.report_sha256,
      signature: row.signature,
      keyId: row.key_id,
      signedAt: row.signed_at,
    };
  }
}

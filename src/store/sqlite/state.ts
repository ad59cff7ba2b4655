// SQLite adapter of the state port (node:sqlite).
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import type { FunctionSpec } from "../../core/manifest/types.ts";
import type { DeployOutcome, FunctionVersion, LogEntry, StateStore } from "../state.ts";
import { addMissingColumn, transaction } from "./tx.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS versions (
  function TEXT NOT NULL, version INTEGER NOT NULL, app TEXT NOT NULL,
  bundle_hash TEXT NOT NULL, spec TEXT NOT NULL, created_at TEXT NOT NULL, deployed_by TEXT,
  PRIMARY KEY (function, version)
);
CREATE TABLE IF NOT EXISTS active (
  function TEXT PRIMARY KEY, version INTEGER NOT NULL,
  FOREIGN KEY (function, version) REFERENCES versions (function, version)
);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS logs (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, time TEXT NOT NULL, function TEXT NOT NULL,
  version INTEGER NOT NULL, request_id TEXT, level TEXT NOT NULL, message TEXT NOT NULL, trace_id TEXT
);
CREATE INDEX IF NOT EXISTS logs_by_function ON logs (function, seq);
`;

/** Logs kept per function; older lines are pruned as new ones arrive. */
const LOG_RETENTION = 20_000;

interface VersionRow {
  function: string;
  version: number;
  app: string;
  bundle_hash: string;
  spec: string;
  created_at: string;
  deployed_by: string | null;
}

export class SqliteStateStore implements StateStore {
  readonly #db: DatabaseSync;
  readonly #insertLog: StatementSync;
  #logsSincePrune = 0;

  constructor(db: DatabaseSync) {
    this.#db = db;
    db.exec(SCHEMA);
    // Data dirs made before log lines carried trace ids.
    addMissingColumn(db, "logs", "trace_id", "TEXT");
    // Data dirs made before versions named their deployer: those versions stay ownerless (NULL).
    addMissingColumn(db, "versions", "deployed_by", "TEXT");
    this.#insertLog = db.prepare(
      "INSERT INTO logs (time, function, version, request_id, level, message, trace_id) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
  }

  appName(): string | undefined {
    const row = this.#db.prepare("SELECT value FROM settings WHERE key = 'app'").get() as { value: string } | undefined;
    return row?.value;
  }

  deploy(
    app: string,
    functions: Array<{ spec: FunctionSpec; bundleHash: string }>,
    deployedBy: string,
    within?: (outcomes: DeployOutcome[]) => void,
  ): DeployOutcome[] {
    return transaction(this.#db, () => {
      const current = this.appName();
      if (current !== undefined && current !== app) {
        throw new BulwarkError("BWK_INVALID_ARGUMENT", `this platform serves app "${current}", not "${app}"`);
      }
      this.#db.prepare("INSERT OR REPLACE INTO settings (key, value) VALUES ('app', ?)").run(app);
      const active = new Map(this.activeVersions().map((v) => [v.function, v]));
      const now = new Date().toISOString();
      const outcomes: DeployOutcome[] = [];
      for (const { spec, bundleHash } of functions) {
        const previous = active.get(spec.name);
        active.delete(spec.name);
        const specJson = JSON.stringify(spec);
        if (previous && previous.bundleHash === bundleHash && JSON.stringify(previous.spec) === specJson) {
          outcomes.push({ function: spec.name, version: previous.version, status: "unchanged" });
          continue;
        }
        const { next } = this.#db
          .prepare("SELECT COALESCE(MAX(version), 0) + 1 AS next FROM versions WHERE function = ?")
          .get(spec.name) as { next: number };
        this.#db
          .prepare("INSERT INTO versions (function, version, app, bundle_hash, spec, created_at, deployed_by) VALUES (?, ?, ?, ?, ?, ?, ?)")
          .run(spec.name, next, app, bundleHash, specJson, now, deployedBy);
        this.#db.prepare("INSERT OR REPLACE INTO active (function, version) VALUES (?, ?)").run(spec.name, next);
        outcomes.push({ function: spec.name, version: next, status: "created" });
      }
      for (const removed of active.values()) {
        this.#db.prepare("DELETE FROM active WHERE function = ?").run(removed.function);
        outcomes.push({ function: removed.function, version: removed.version, status: "removed" });
      }
      within?.(outcomes);
      return outcomes;
    });
  }

  activeVersions(): FunctionVersion[] {
    const rows = this.#db
      .prepare(
        "SELECT v.* FROM versions v JOIN active a ON a.function = v.function AND a.version = v.version ORDER BY v.function",
      )
      .all() as unknown as VersionRow[];
    return rows.map(toVersion);
  }

  versions(fn: string): FunctionVersion[] {
    const rows = this.#db
      .prepare("SELECT * FROM versions WHERE function = ? ORDER BY version")
      .all(fn) as unknown as VersionRow[];
    return rows.map(toVersion);
  }

  activate(fn: string, version: number): FunctionVersion {
    return transaction(this.#db, () => {
      const row = this.#db
        .prepare("SELECT * FROM versions WHERE function = ? AND version = ?")
        .get(fn, version) as VersionRow | undefined;
      if (!row) {
        const known = this.versions(fn).length > 0;
        throw known
          ? new BulwarkError("BWK_VERSION_NOT_FOUND", `function "${fn}" has no version ${version}`)
          : new BulwarkError("BWK_FUNCTION_NOT_FOUND", `no function named "${fn}"`);
      }
      this.#db.prepare("INSERT OR REPLACE INTO active (function, version) VALUES (?, ?)").run(fn, version);
      return toVersion(row);
    });
  }

  appendLogs(entries: LogEntry[]): void {
    if (entries.length === 0) return;
    transaction(this.#db, () => {
      for (const e of entries) this.#insertLog.run(e.time, e.function, e.version, e.requestId, e.level, e.message, e.traceId ?? null);
    });
    this.#logsSincePrune += entries.length;
    if (this.#logsSincePrune >= 1_000) this.#pruneLogs();
  }

  readLogs(fn: string, afterSeq: number, limit: number): LogEntry[] {
    const rows = this.#db
      .prepare(
        "SELECT seq, time, function, version, request_id, level, message, trace_id FROM logs WHERE function = ? AND seq > ? ORDER BY seq LIMIT ?",
      )
      .all(fn, afterSeq, limit) as Array<Record<string, unknown>>;
    return rows.map((r) => ({
      seq: r.seq as number,
      time: r.time as string,
      function: r.function as string,
      version: r.version as number,
      requestId: (r.request_id as string | null) ?? null,
      level: r.level as LogEntry["level"],
      message: r.message as string,
      traceId: (r.trace_id as string | null) ?? null,
    }));
  }

  close(): void {
    this.#db.close();
  }

  #pruneLogs(): void {
    this.#logsSincePrune = 0;
    this.#db.exec(
      `DELETE FROM logs WHERE seq IN (SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER (PARTITION BY function ORDER BY seq DESC) AS n FROM logs) WHERE n > ${LOG_RETENTION})`,
    );
  }
}

function toVersion(row: VersionRow): FunctionVersion {
  return {
    app: row.app,
    function: row.function,
    version: row.version,
    bundleHash: row.bundle_hash,
    spec: JSON.parse(row.spec) as FunctionSpec,
    createdAt: row.created_at,
    deployedBy: row.deployed_by,
  };
}

// Shared set-up for the audit tests: a real database file and a real key directory, written
// through AuditLog and then opened raw, the way an attacker holding the file would.

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { AuditLog, loadOrCreateAuditKey, verifyAuditLog } from "../../../src/security/audit/index.ts";
import type { AuditEntry, AuditKey, Checkpoint, VerifyResult } from "../../../src/security/audit/index.ts";

export interface LogFixture {
  dir: string;
  dbPath: string;
  key: AuditKey;
  /** Opens the file with a fresh handle and verifies it, as an auditor would, with the key from the keys dir. */
  verify(trustedCheckpoint?: Checkpoint): VerifyResult;
  /** The head checkpoint as the platform exports it, after a trip through JSON (as if kept in a file). */
  exportHead(): Checkpoint;
  /** Runs raw SQL on the file through its own handle, with the append-only triggers dropped. */
  tamper(work: (db: DatabaseSync) => void): void;
  cleanup(): void;
}

export function entry(i: number): AuditEntry {
  return {
    actor: { type: i % 2 === 0 ? "user" : "key", id: i % 2 === 0 ? "alice" : "ci-deployer" },
    action: i % 3 === 0 ? "secret.read" : "deploy",
    target: `fn-${i}`,
    outcome: "success",
    requestId: `req-${i}`,
    details: { version: i, note: `record ${i}` },
  };
}

/** Writes `count` records (checkpoint every `every`) to a new file, closes it and returns the fixture. */
export function writeLog(count: number, every = 10): LogFixture {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-audit-"));
  const dbPath = join(dir, "db", "state.db");
  const key = loadOrCreateAuditKey(join(dir, "keys"));
  const fixture: LogFixture = {
    dir,
    dbPath,
    key,
    verify(trustedCheckpoint) {
      const db = new DatabaseSync(dbPath);
      try {
        return verifyAuditLog(db, { publicKey: key.publicKey, checkpointEvery: every, ...(trustedCheckpoint && { trustedCheckpoint }) });
      } finally {
        db.close();
      }
    },
    exportHead() {
      const db = new DatabaseSync(dbPath);
      try {
        const checkpoint = new AuditLog(db, { signingKey: key.privateKey }).exportCheckpoint();
        return JSON.parse(JSON.stringify(checkpoint)) as Checkpoint;
      } finally {
        db.close();
      }
    },
    tamper(work) {
      const db = new DatabaseSync(dbPath);
      try {
        db.exec(`DROP TRIGGER audit_records_append_only_update; DROP TRIGGER audit_records_append_only_delete;
                 DROP TRIGGER audit_checkpoints_append_only_update; DROP TRIGGER audit_checkpoints_append_only_delete;`);
        work(db);
      } finally {
        db.close();
      }
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
  mkdirSync(join(dir, "db"));
  const db = new DatabaseSync(dbPath);
  try {
    const log = new AuditLog(db, { signingKey: key.privateKey, checkpointEvery: every });
    for (let i = 1; i <= count; i++) log.append(entry(i));
  } finally {
    db.close();
  }
  return fixture;
}

/** Changes one character of `text` at `index` to a different one. */
export function flipChar(text: string, index: number): string {
  const c = text[index] === "a" ? "b" : "a";
  return text.slice(0, index) + c + text.slice(index + 1);
}

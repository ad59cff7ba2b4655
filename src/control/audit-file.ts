// Verifying the audit log straight from a data dir, without a running platform (or without
// trusting one): the database is opened read-only, and checkpoints are checked against a public
// key the auditor names, by default the one beside the log in keys/. Also the checkpoint files
// `bulwark audit export` writes and `verify --from-checkpoint` reads.
import { createPublicKey, type KeyObject } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { BulwarkError } from "../core/errors.ts";
import { PUBLIC_KEY_FILE, parseCheckpoint, verifyAuditLog, type Checkpoint, type VerifyResult } from "../security/audit/index.ts";

export const AUDIT_DB_FILE = "audit.db";
export const KEYS_DIR = "keys";

/** A verify result, or a database SQLite itself cannot read (bytes changed in its structure). */
export type AuditCheck = VerifyResult | { ok: false; problem: "unreadable"; seq: 0; detail: string };

export function verifyAuditFiles(dataDir: string, options: { publicKeyFile?: string; checkpoint?: Checkpoint } = {}): AuditCheck {
  const dbPath = join(dataDir, AUDIT_DB_FILE);
  if (!existsSync(dbPath)) throw new BulwarkError("BWK_NOT_FOUND", `no audit log at ${dbPath}`);
  const publicKey = readPublicKey(options.publicKeyFile ?? join(dataDir, KEYS_DIR, PUBLIC_KEY_FILE));
  return checkSafely(() => {
    const db = new DatabaseSync(dbPath, { readOnly: true });
    try {
      return verifyAuditLog(db, { publicKey, ...(options.checkpoint && { trustedCheckpoint: options.checkpoint }) });
    } finally {
      db.close();
    }
  });
}

/** Runs a verification; a file too damaged for SQLite to read is a finding, not a crash. */
export function checkSafely(verify: () => VerifyResult): AuditCheck {
  try {
    return verify();
  } catch (e) {
    if (e instanceof BulwarkError) throw e;
    const message = e instanceof Error ? e.message : String(e);
    return { ok: false, problem: "unreadable", seq: 0, detail: `the audit database cannot be read: ${message.slice(0, 200)}` };
  }
}

export function readCheckpointFile(path: string): Checkpoint {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new BulwarkError("BWK_NOT_FOUND", `cannot read checkpoint file ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `${path} is not a JSON checkpoint`);
  }
  return parseCheckpoint(value);
}

function readPublicKey(path: string): KeyObject {
  let pem: string;
  try {
    pem = readFileSync(path, "utf8");
  } catch (e) {
    throw new BulwarkError("BWK_AUDIT_KEY_INVALID", `cannot read the audit public key ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    const key = createPublicKey(pem);
    if (key.asymmetricKeyType !== "ed25519") throw new Error("not Ed25519");
    return key;
  } catch {
    throw new BulwarkError("BWK_AUDIT_KEY_INVALID", `${path} is not an Ed25519 public key (PEM)`);
  }
}

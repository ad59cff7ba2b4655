// The audit log: append-only, hash-chained records with signed checkpoints, in the platform's
// SQLite database. One writer per database (node:sqlite is synchronous, so one process): the
// head of the chain is kept in memory and loaded at start.
//
// Durability: append returns after COMMIT. How durable a COMMIT is, is the connection's setting:
// the platform should open the database with journal_mode=WAL and synchronous=FULL so a record
// survives power loss, not only a crash of the process.

import type { KeyObject } from "node:crypto";
import type { DatabaseSync, StatementSync } from "node:sqlite";
import { BulwarkError, isBulwarkError } from "../../core/errors.ts";
import { DEFAULT_CHECKPOINT_EVERY, signCheckpoint } from "./checkpoint.ts";
import { failure } from "./classify.ts";
import { normalizeEntry } from "./entry.ts";
import { auditSigningKey } from "./keys.ts";
import type { AuditKey } from "./keys.ts";
import { AuditQueries } from "./query.ts";
import { genesisHash, recordHash } from "./record-hash.ts";
import { CHECKPOINT_COLUMNS, decodeCheckpoint } from "./rows.ts";
import { migrateAudit, readLogId } from "./schema.ts";
import type { AuditEntry, AuditQuery, AuditRecord, Checkpoint, Details, VerifyResult } from "./types.ts";
import { verifyAuditLog } from "./verify.ts";

export interface AuditLogOptions {
  /** Ed25519 private key that signs checkpoints (see loadOrCreateAuditKey). */
  signingKey: KeyObject;
  /** Sign a checkpoint after this many records (default 100). */
  checkpointEvery?: number;
  /** With maybeCheckpoint(now): sign when records are this old and still uncovered. */
  checkpointIntervalMs?: number;
  /** Epoch milliseconds; Date.now by default. */
  clock?: () => number;
}

export class AuditLog {
  readonly logId: string;
  readonly keyId: string;
  readonly #db: DatabaseSync;
  readonly #key: AuditKey;
  readonly #every: number;
  readonly #intervalMs: number | undefined;
  readonly #clock: () => number;
  readonly #queries: AuditQueries;
  readonly #sql: Record<"begin" | "commit" | "rollback" | "insert" | "insertCheckpoint" | "lastCheckpoint", StatementSync>;
  #lastSeq: number;
  #lastHash: string;
  /** Seq of the newest checkpoint; 0 while there is none. */
  #checkpointSeq = 0;
  #checkpointAt: number;
  /**
   * Found at open: more records past the newest checkpoint than append ever leaves, so checkpoints
   * were deleted while no platform held the file. The next checkpoint signed would vouch for
   * whatever was rewritten meanwhile, so the platform reports this at start (audit.tampered).
   */
  readonly openedWithoutCheckpoints: Extract<VerifyResult, { ok: false }> | undefined;

  constructor(db: DatabaseSync, options: AuditLogOptions) {
    this.#key = auditSigningKey(options.signingKey);
    this.#every = positiveInteger(options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY, "checkpointEvery");
    this.#intervalMs = options.checkpointIntervalMs === undefined ? undefined : positiveInteger(options.checkpointIntervalMs, "checkpointIntervalMs");
    this.#clock = options.clock ?? Date.now;
    migrateAudit(db);
    this.#db = db;
    this.logId = readLogId(db) ?? "";
    if (this.logId === "") throw new BulwarkError("BWK_INTERNAL", "the audit log id is missing from audit_meta");
    this.keyId = this.#key.keyId;
    this.#queries = new AuditQueries(db);
    this.#sql = {
      begin: db.prepare("BEGIN IMMEDIATE"),
      commit: db.prepare("COMMIT"),
      rollback: db.prepare("ROLLBACK"),
      insert: db.prepare(
        "INSERT INTO audit_records (seq, time, actor_type, actor_id, action, target, outcome, request_id, details, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      ),
      insertCheckpoint: db.prepare(
        "INSERT INTO audit_checkpoints (seq, hash, time, log_id, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)",
      ),
      lastCheckpoint: db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`),
    };
    const head = db.prepare("SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1").get();
    this.#lastSeq = typeof head?.["seq"] === "number" ? head["seq"] : 0;
    this.#lastHash = typeof head?.["hash"] === "string" ? head["hash"] : genesisHash(this.logId);
    const last = this.#sql.lastCheckpoint.get();
    const lastAt = last === undefined ? Number.NaN : Date.parse(String(last["time"]));
    this.#checkpointSeq = typeof last?.["seq"] === "number" ? last["seq"] : 0;
    this.#checkpointAt = Number.isFinite(lastAt) ? lastAt : this.#clock();
    const uncovered = this.#lastSeq - this.#checkpointSeq;
    this.openedWithoutCheckpoints =
      uncovered < this.#every
        ? undefined
        : failure("checkpoints-deleted", this.#checkpointSeq + 1, `${uncovered} records follow the newest signed checkpoint, which is signed every ${this.#every}: checkpoints were deleted`);
  }

  /** Records in the chain: the seq of its head (0 while empty). */
  get length(): number {
    return this.#lastSeq;
  }

  /** Appends one record; it is committed when this returns. Details must never hold secrets. */
  append(entry: AuditEntry): AuditRecord {
    const [record] = this.appendBatch([entry]);
    if (record === undefined) throw new BulwarkError("BWK_INTERNAL", "audit append wrote no record");
    return record;
  }

  /** Appends several records in one transaction (one disk sync): for batched security events. */
  appendBatch(entries: readonly AuditEntry[]): AuditRecord[] {
    const normalized = entries.map(normalizeEntry);
    return this.#transaction(() => {
      const records: AuditRecord[] = [];
      for (const n of normalized) {
        const fields = { seq: this.#lastSeq + 1, time: this.#now(), ...n, prevHash: this.#lastHash };
        const hash = recordHash(fields);
        this.#sql.insert.run(fields.seq, fields.time, n.actorType, n.actorId, n.action, n.target, n.outcome, n.requestId, n.detailsJson, fields.prevHash, hash);
        this.#lastSeq = fields.seq;
        this.#lastHash = hash;
        records.push({
          seq: fields.seq, time: fields.time, actor: { type: n.actorType, id: n.actorId }, action: n.action,
          target: n.target, outcome: n.outcome, requestId: n.requestId,
          details: JSON.parse(n.detailsJson) as Details, prevHash: fields.prevHash, hash,
        });
        if (this.#lastSeq - this.#checkpointSeq >= this.#every) this.#storeCheckpoint();
      }
      return records;
    });
  }

  /** Signs and stores a checkpoint at the head of the log, unless the head already has one. */
  checkpoint(): Checkpoint {
    if (this.#checkpointSeq === this.#lastSeq) {
      const last = this.#sql.lastCheckpoint.get();
      if (last !== undefined) return decodeCheckpoint(last);
    }
    return this.#transaction(() => this.#storeCheckpoint());
  }

  /** Call from the caller's timer: checkpoints when records are uncovered for too long or too many. */
  maybeCheckpoint(now: number = this.#clock()): Checkpoint | null {
    const uncovered = this.#lastSeq - this.#checkpointSeq;
    if (uncovered <= 0) return null;
    const due = uncovered >= this.#every || (this.#intervalMs !== undefined && now - this.#checkpointAt >= this.#intervalMs);
    return due ? this.checkpoint() : null;
  }

  /**
   * A checkpoint of the current head to keep OUTSIDE this database (another host, the auditor's
   * records, the SIEM). Passed back as verify's trustedCheckpoint, it is the only thing that
   * catches a tail cut off after the newest checkpoint stored here.
   */
  exportCheckpoint(): Checkpoint {
    return { ...this.checkpoint() };
  }

  query(filter: AuditQuery = {}): AuditRecord[] {
    return this.#queries.run(filter);
  }

  /** Verifies the whole log; by default against this log's own public key. */
  verify(options?: { trustedCheckpoint?: Checkpoint; publicKey?: KeyObject }): VerifyResult {
    const publicKey = options?.publicKey ?? this.#key.publicKey;
    return verifyAuditLog(this.#db, { publicKey, checkpointEvery: this.#every, ...(options?.trustedCheckpoint && { trustedCheckpoint: options.trustedCheckpoint }) });
  }

  #storeCheckpoint(): Checkpoint {
    const c = signCheckpoint(
      { seq: this.#lastSeq, hash: this.#lastHash, time: this.#now(), logId: this.logId, keyId: this.keyId },
      this.#key.privateKey,
    );
    this.#sql.insertCheckpoint.run(c.seq, c.hash, c.time, c.logId, c.keyId, c.signature);
    this.#checkpointSeq = c.seq;
    this.#checkpointAt = Date.parse(c.time);
    return c;
  }

  /** Runs `work` in one write transaction; on any failure rolls back and restores the in-memory head. */
  #transaction<T>(work: () => T): T {
    if (this.#db.isTransaction) {
      // Inside the caller's transaction the record would not be durable on return, and a rollback
      // of theirs would leave the in-memory head pointing at a record that does not exist.
      throw new BulwarkError("BWK_INTERNAL", "audit append inside an open transaction; append after it commits");
    }
    const saved = { seq: this.#lastSeq, hash: this.#lastHash, cpSeq: this.#checkpointSeq, cpAt: this.#checkpointAt };
    try {
      this.#sql.begin.run();
      const result = work();
      this.#sql.commit.run();
      return result;
    } catch (error) {
      if (this.#db.isTransaction) this.#sql.rollback.run();
      this.#lastSeq = saved.seq;
      this.#lastHash = saved.hash;
      this.#checkpointSeq = saved.cpSeq;
      this.#checkpointAt = saved.cpAt;
      if (isBulwarkError(error)) throw error;
      // Most likely another writer appended to this database (seq taken) or the disk failed.
      throw new BulwarkError("BWK_INTERNAL", `audit write failed: ${(error as Error).message}`, { cause: error });
    }
  }

  #now(): string {
    return new Date(this.#clock()).toISOString();
  }
}

function positiveInteger(value: unknown, name: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `audit log option ${name} must be a whole number >= 1`);
  }
  return value as number;
}

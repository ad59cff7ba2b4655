// Walks the whole log once, in seq order, holding one record at a time (statement iterators, not
// arrays), and checks: every record hashes to its stored hash, links to its predecessor, seqs run
// 1..n without gaps, every stored checkpoint is signed by the trusted key for this log and names
// the hash its record really has, the log reaches every checkpoint, and no more records follow
// the newest checkpoint than the log writes between two: the hash chain alone is public
// arithmetic, so a log whose checkpoints were deleted could otherwise be rewritten and rehashed
// without the key.
//
// Limits, by construction: a record appended by someone holding the database file after the last
// checkpoint looks genuine, and a tail cut after the newest stored checkpoint (together with any
// checkpoints after it) leaves a shorter but consistent log. Only a checkpoint kept OUTSIDE the
// database (exportCheckpoint, passed back as trustedCheckpoint) catches such a truncation.

import { createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import type { DatabaseSync, SQLOutputValue } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import { ChainLookup, checkLink, failure } from "./classify.ts";
import type { Failure, Link } from "./classify.ts";
import { checkpointProblem, DEFAULT_CHECKPOINT_EVERY, parseCheckpoint } from "./checkpoint.ts";
import { auditKeyId } from "./keys.ts";
import { genesisHash } from "./record-hash.ts";
import { CHECKPOINT_COLUMNS, RECORD_COLUMNS, decodeCheckpoint, decodeRecord } from "./rows.ts";
import { auditTablesExist, readLogId } from "./schema.ts";
import type { Checkpoint, VerifyResult } from "./types.ts";

export interface VerifyOptions {
  /** The key checkpoints must be signed with: the auditor's copy, not one read from the database. */
  publicKey: KeyObject;
  /** A checkpoint exported earlier and kept elsewhere; the log must still reach and match it. */
  trustedCheckpoint?: Checkpoint;
  /** How many records the log writes between two checkpoints (AuditLogOptions.checkpointEvery). */
  checkpointEvery?: number;
}

export function verifyAuditLog(db: DatabaseSync, options: VerifyOptions): VerifyResult {
  const publicKey = trustedKey(options.publicKey);
  const trusted = options.trustedCheckpoint === undefined ? undefined : parseCheckpoint(options.trustedCheckpoint);
  if (!auditTablesExist(db)) return failure("truncated", 1, "this database holds no audit tables");
  // One read transaction: records and checkpoints come from the same snapshot.
  const own = !db.isTransaction;
  if (own) db.exec("BEGIN");
  try {
    return verifySnapshot(db, publicKey, trusted, options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY);
  } finally {
    if (own) db.exec("ROLLBACK");
  }
}

function verifySnapshot(db: DatabaseSync, publicKey: KeyObject, trusted: Checkpoint | undefined, checkpointEvery: number): VerifyResult {
  const logId = readLogId(db);
  if (logId === undefined) return failure("edited", 1, "the log id row in audit_meta is gone");
  const keyId = auditKeyId(publicKey);
  /** A checkpoint must be signed by the trusted key for this log and, if the log reaches it, match. */
  const judge = (c: Checkpoint, reached: Link | undefined): Failure | undefined => {
    const bad = checkpointProblem(c, publicKey, keyId, logId);
    if (bad !== undefined) return failure(bad.problem, Number.isSafeInteger(c.seq) ? c.seq : 0, bad.detail);
    if (reached !== undefined && (c.seq !== reached.seq || c.hash !== reached.hash)) {
      return failure("checkpoint-mismatch", c.seq, `the signed checkpoint at seq ${c.seq} names another hash: a record at or before it was rewritten`);
    }
    return undefined;
  };
  if (trusted !== undefined) {
    const bad = judge(trusted, undefined);
    if (bad !== undefined) return { ...bad, detail: `trusted checkpoint: ${bad.detail}` };
  }

  const checkpoints = new CheckpointsInOrder(db, trusted);
  try {
    return walk(db, checkpoints, judge, genesisHash(logId), checkpointEvery);
  } finally {
    checkpoints.close();
  }
}

function walk(
  db: DatabaseSync,
  checkpoints: CheckpointsInOrder,
  judge: (c: Checkpoint, reached: Link | undefined) => Failure | undefined,
  genesis: string,
  checkpointEvery: number,
): VerifyResult {
  const lookup = new ChainLookup(db, genesis);
  let prev: Link = { seq: 0, hash: genesis };
  /** The newest seq a checkpoint the log reaches vouches for. */
  let covered = 0;
  for (const c of checkpoints.upTo(0)) {
    const bad = judge(c, prev);
    if (bad !== undefined) return bad;
  }
  for (const row of db.prepare(`SELECT ${RECORD_COLUMNS} FROM audit_records ORDER BY seq`).iterate()) {
    const rec = decodeRecord(row);
    const expected = prev.seq + 1;
    if (rec === undefined) return failure("edited", Number(row["seq"]), `record ${String(row["seq"])} holds a value of the wrong type`);
    if (rec.seq > expected) return failure("deleted", expected, `${span(expected, rec.seq - 1)} missing`);
    if (rec.seq < expected) return failure("inserted", rec.seq, `a record with seq ${rec.seq} is not in the chain`);
    const broken = checkLink(lookup, prev, rec);
    if (broken !== undefined) return broken;
    prev = { seq: rec.seq, hash: rec.hash };
    for (const c of checkpoints.upTo(rec.seq)) {
      const bad = judge(c, prev);
      if (bad !== undefined) return bad;
      covered = rec.seq;
    }
  }

  // Checkpoints the log no longer reaches: genuine ones prove records were cut off the end.
  let furthest = prev.seq;
  for (const c of checkpoints.upTo(Number.MAX_SAFE_INTEGER)) {
    const bad = judge(c, undefined);
    if (bad !== undefined) return bad;
    furthest = Math.max(furthest, c.seq);
  }
  if (furthest > prev.seq) {
    return failure("truncated", prev.seq + 1, `the log ends at seq ${prev.seq} but a signed checkpoint covers seq ${furthest}`);
  }
  if (prev.seq - covered >= checkpointEvery) {
    return failure("checkpoints-deleted", covered + 1, `${span(covered + 1, prev.seq)} covered by no signed checkpoint, yet one is signed every ${checkpointEvery} records: checkpoints were deleted, so these records may have been rewritten`);
  }
  return { ok: true, records: prev.seq, lastSeq: prev.seq, lastHash: prev.hash };
}

/** Stored checkpoints in seq order, one at a time, with the trusted one merged in at its place. */
class CheckpointsInOrder {
  readonly #stored: Iterator<Record<string, SQLOutputValue>>;
  #pending: Checkpoint | undefined;
  #trusted: Checkpoint | undefined;

  constructor(db: DatabaseSync, trusted: Checkpoint | undefined) {
    this.#stored = db.prepare(`SELECT ${CHECKPOINT_COLUMNS} FROM audit_checkpoints ORDER BY seq`).iterate();
    this.#pending = this.#next();
    this.#trusted = trusted;
  }

  /** Every checkpoint not yet returned whose seq is at most `seq`. */
  upTo(seq: number): Checkpoint[] {
    const due: Checkpoint[] = [];
    while (this.#pending !== undefined && this.#pending.seq <= seq) {
      due.push(this.#pending);
      this.#pending = this.#next();
    }
    if (this.#trusted !== undefined && this.#trusted.seq <= seq) {
      due.push(this.#trusted);
      this.#trusted = undefined;
    }
    return due;
  }

  close(): void {
    this.#stored.return?.();
  }

  #next(): Checkpoint | undefined {
    const step = this.#stored.next();
    return step.done === true ? undefined : decodeCheckpoint(step.value);
  }
}

function span(first: number, last: number): string {
  return first === last ? `record ${first} is` : `records ${first}..${last} are`;
}

function trustedKey(key: KeyObject): KeyObject {
  if (key?.asymmetricKeyType !== "ed25519" || (key.type !== "public" && key.type !== "private")) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "verify needs the Ed25519 public key of the audit signing key");
  }
  return key.type === "private" ? createPublicKey(key) : key;
}

// Reading audit rows back. Anything could be in the file, so a row's columns are type-checked
// before use; a row that does not decode is reported, never trusted or thrown on.

import type { SQLOutputValue } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import type { ChainedFields } from "./record-hash.ts";
import type { ActorType, AuditRecord, Checkpoint, Details, Outcome } from "./types.ts";

export const RECORD_COLUMNS =
  "seq, time, actor_type, actor_id, action, target, outcome, request_id, details, prev_hash, hash";
export const CHECKPOINT_COLUMNS = "seq, hash, time, log_id, key_id, signature";

type Row = Record<string, SQLOutputValue>;

export interface StoredRecord extends ChainedFields {
  hash: string;
}

/** The stored record, or undefined if a column holds the wrong type. */
export function decodeRecord(row: Row): StoredRecord | undefined {
  const { seq, time, actor_type, actor_id, action, target, outcome, request_id, details, prev_hash, hash } = row;
  if (typeof seq !== "number") return undefined;
  if (
    typeof time !== "string" || typeof actor_type !== "string" || typeof actor_id !== "string" ||
    typeof action !== "string" || typeof target !== "string" || typeof outcome !== "string" ||
    (request_id !== null && typeof request_id !== "string") || typeof details !== "string" ||
    typeof prev_hash !== "string" || typeof hash !== "string"
  ) {
    return undefined;
  }
  return {
    seq, time, actorType: actor_type, actorId: actor_id, action, target, outcome,
    requestId: request_id, detailsJson: details, prevHash: prev_hash, hash,
  };
}

/** The checkpoint as stored; its shape and signature are checked by checkpointProblem. */
export function decodeCheckpoint(row: Row): Checkpoint {
  return {
    seq: row["seq"] as number,
    hash: row["hash"] as string,
    time: row["time"] as string,
    logId: row["log_id"] as string,
    keyId: row["key_id"] as string,
    signature: row["signature"] as string,
  };
}

/** A row as callers see it. Query results are for reading; only verify says whether they are genuine. */
export function toAuditRecord(row: Row): AuditRecord {
  const stored = decodeRecord(row);
  let details: unknown;
  try {
    details = stored === undefined ? undefined : JSON.parse(stored.detailsJson);
  } catch {
    details = undefined;
  }
  if (stored === undefined || typeof details !== "object" || details === null || Array.isArray(details)) {
    throw new BulwarkError("BWK_INTERNAL", `audit record ${String(row["seq"])} is damaged; run audit verify`);
  }
  return {
    seq: stored.seq,
    time: stored.time,
    actor: { type: stored.actorType as ActorType, id: stored.actorId },
    action: stored.action,
    target: stored.target,
    outcome: stored.outcome as Outcome,
    requestId: stored.requestId,
    details: details as Details,
    prevHash: stored.prevHash,
    hash: stored.hash,
  };
}

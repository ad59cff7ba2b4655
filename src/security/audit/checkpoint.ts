// Signed checkpoints. The signature is Ed25519 (RFC 8032) over the UTF-8 bytes of
//   canonicalJson({ hash, keyId, logId, seq, time, type: "bulwark.audit.checkpoint.v1" })
// (RFC 8785 canonical JSON; the type member keeps a checkpoint signature from ever being valid
// for anything else the key could sign). Signature text is unpadded base64url (RFC 4648 §5).

import { sign, verify } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { BulwarkError } from "../../core/errors.ts";
import { canonicalJson, isPlainObject } from "./canonical-json.ts";
import { HASH_HEX } from "./record-hash.ts";
import type { Checkpoint, TamperKind } from "./types.ts";

/**
 * Records between two signed checkpoints: appendBatch signs one in the same transaction as the
 * record that completes this many, so a log never has this many records past its newest one.
 */
export const DEFAULT_CHECKPOINT_EVERY = 100;

const KEY_ID = /^[0-9a-f]{16}$/;
/** 64 signature bytes as unpadded base64url; exact, so no other spelling decodes to the same bytes. */
const SIGNATURE = /^[A-Za-z0-9_-]{85}[AQgw]$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export type CheckpointFields = Omit<Checkpoint, "signature">;

function signingInput(c: CheckpointFields): Buffer {
  const { hash, keyId, logId, seq, time } = c;
  return Buffer.from(canonicalJson({ hash, keyId, logId, seq, time, type: "bulwark.audit.checkpoint.v1" }), "utf8");
}

export function signCheckpoint(fields: CheckpointFields, privateKey: KeyObject): Checkpoint {
  const signature = sign(null, signingInput(fields), privateKey).toString("base64url");
  return { ...fields, signature };
}

/** Why a checkpoint cannot be trusted for this log and key, or undefined if it can. */
export function checkpointProblem(
  c: Checkpoint,
  publicKey: KeyObject,
  keyId: string,
  logId: string,
): { problem: TamperKind; detail: string } | undefined {
  const shape = shapeProblem(c);
  if (shape !== undefined) return { problem: "bad-checkpoint-signature", detail: `malformed checkpoint: ${shape}` };
  if (c.keyId !== keyId) {
    return { problem: "bad-checkpoint-signature", detail: `checkpoint at seq ${c.seq} names key ${c.keyId}, not the trusted key ${keyId}` };
  }
  if (!verify(null, signingInput(c), publicKey, Buffer.from(c.signature, "base64url"))) {
    return { problem: "bad-checkpoint-signature", detail: `checkpoint at seq ${c.seq} has a signature the trusted key did not make` };
  }
  if (c.logId !== logId) {
    return { problem: "checkpoint-mismatch", detail: `checkpoint at seq ${c.seq} was signed for log ${c.logId}, not this log ${logId}` };
  }
  return undefined;
}

/** Validates a checkpoint that arrives from outside (a file, a command line) before use. */
export function parseCheckpoint(value: unknown): Checkpoint {
  if (!isPlainObject(value)) throw new BulwarkError("BWK_INVALID_ARGUMENT", "a checkpoint must be a JSON object");
  const { seq, hash, time, logId, keyId, signature } = value;
  const checkpoint = { seq, hash, time, logId, keyId, signature } as Checkpoint;
  const shape = shapeProblem(checkpoint);
  if (shape !== undefined) throw new BulwarkError("BWK_INVALID_ARGUMENT", `invalid checkpoint: ${shape}`);
  return checkpoint;
}

function shapeProblem(c: Checkpoint): string | undefined {
  if (!Number.isSafeInteger(c.seq) || c.seq < 0) return "seq must be a whole number >= 0";
  if (typeof c.hash !== "string" || !HASH_HEX.test(c.hash)) return "hash must be 64 lowercase hex digits";
  if (typeof c.time !== "string" || !ISO_TIME.test(c.time)) return "time must be ISO 8601 UTC with milliseconds";
  if (typeof c.logId !== "string" || c.logId.length === 0 || c.logId.length > 64) return "logId must be a short string";
  if (typeof c.keyId !== "string" || !KEY_ID.test(c.keyId)) return "keyId must be 16 lowercase hex digits";
  if (typeof c.signature !== "string" || !SIGNATURE.test(c.signature)) return "signature must be 64 bytes of base64url";
  return undefined;
}

// The shapes of Bulwark's audit log: what callers append, what is stored and hashed, what a
// signed checkpoint holds, and what verification reports.

export const ACTOR_TYPES = ["user", "key", "function", "platform", "anonymous"] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];

export interface Actor {
  type: ActorType;
  /** User id, API key name, function name, platform component, or a client address for anonymous. */
  id: string;
}

export const OUTCOMES = ["success", "failure", "denied"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type DetailValue = null | boolean | number | string | DetailValue[] | { [name: string]: DetailValue };
export type Details = { [name: string]: DetailValue };

/**
 * What a caller appends. `details` is a small JSON object of facts about the action (function
 * name, version, secret NAME, rule id). It must NEVER hold a secret value, token, password, key
 * material or request body: the log is kept forever, is read by auditors and exported to a SIEM,
 * and cannot be edited afterwards without breaking the chain. Strings in it are truncated.
 */
export interface AuditEntry {
  actor: Actor;
  /** Dotted lowercase name: "deploy", "rollback", "secret.read", "secret.set", "auth.failure", "capability.denied". */
  action: string;
  /** What was acted on: a function, a secret name, a route, a user. */
  target: string;
  outcome: Outcome;
  requestId?: string | null;
  details?: Details;
}

export interface AuditRecord {
  /** 1, 2, 3, ... with no gaps. */
  seq: number;
  /** ISO 8601 UTC with milliseconds, e.g. 2025-01-31T12:00:00.000Z. */
  time: string;
  actor: Actor;
  action: string;
  target: string;
  outcome: Outcome;
  requestId: string | null;
  details: Details;
  /** Hash of the previous record; for seq 1 the genesis hash that binds the log id. */
  prevHash: string;
  /** SHA-256 (lowercase hex) over the record's canonical JSON, prevHash included. */
  hash: string;
}

/** A signed statement "record `seq` of log `logId` has hash `hash`"; plain JSON, safe to keep anywhere. */
export interface Checkpoint {
  seq: number;
  hash: string;
  time: string;
  logId: string;
  /** Which key signed: the first 16 hex digits of SHA-256 over its SPKI DER. */
  keyId: string;
  /** Ed25519 signature (base64url) over the checkpoint's canonical JSON; see checkpoint.ts. */
  signature: string;
}

export type TamperKind =
  | "edited"
  | "deleted"
  | "inserted"
  | "reordered"
  | "truncated"
  | "bad-checkpoint-signature"
  | "checkpoint-mismatch"
  | "checkpoints-deleted";

export type VerifyResult =
  | { ok: true; records: number; lastSeq: number; lastHash: string }
  | { ok: false; problem: TamperKind; /** The first bad seq. */ seq: number; detail: string };

export interface AuditQuery {
  actor?: { type?: ActorType; id?: string };
  action?: string;
  target?: string;
  /** Inclusive lower bound on time (ISO 8601 or Date). */
  since?: string | Date;
  /** Exclusive upper bound on time (ISO 8601 or Date). */
  until?: string | Date;
  /** At most this many records (default 100, at most 1000). */
  limit?: number;
  /** Only records with seq greater than this: the cursor for the next page. */
  afterSeq?: number;
}

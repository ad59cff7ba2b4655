// How a record is chained. hash = SHA-256 (lowercase hex) over the UTF-8 bytes of the record's
// canonical JSON (RFC 8785, see canonical-json.ts) with exactly these members:
//   { action, actor: { id, type }, details, outcome, prevHash, requestId, seq, target, time }
// i.e. everything but `hash` itself. The first record's prevHash is the genesis hash, which binds
// the log id, so records cannot be moved between two logs signed with the same key.

import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.ts";

export const HASH_HEX = /^[0-9a-f]{64}$/;

export interface ChainedFields {
  seq: number;
  time: string;
  actorType: string;
  actorId: string;
  action: string;
  target: string;
  outcome: string;
  requestId: string | null;
  /** The canonical JSON of the details object, exactly as stored. */
  detailsJson: string;
  prevHash: string;
}

export function genesisHash(logId: string): string {
  return sha256Hex(canonicalJson({ logId, type: "bulwark.audit.genesis.v1" }));
}

/**
 * Writes the canonical form by hand, in the sorted member order, so the stored details text is
 * hashed as it is: no parse and re-serialize per record on append or verify, and a changed byte
 * in that text changes the hash even if it no longer parses. Equal to canonicalJson(record) for
 * every record append writes (test/security/audit/record-hash.test.ts holds the two together).
 */
export function recordHash(f: ChainedFields): string {
  const s = JSON.stringify;
  return sha256Hex(
    `{"action":${s(f.action)},"actor":{"id":${s(f.actorId)},"type":${s(f.actorType)}},` +
      `"details":${f.detailsJson},"outcome":${s(f.outcome)},"prevHash":${s(f.prevHash)},` +
      `"requestId":${f.requestId === null ? "null" : s(f.requestId)},"seq":${s(f.seq)},` +
      `"target":${s(f.target)},"time":${s(f.time)}}`,
  );
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

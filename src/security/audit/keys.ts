// The checkpoint signing key lives apart from the log: a directory the caller chooses (the
// platform's keys dir, not the database's), so one stolen or edited database file does not also
// hand over the means to re-sign a rewritten log. The file handling is security/key-file.ts.
import type { KeyObject } from "node:crypto";
import { loadOrCreateSigningKey, signingKeyId, signingKeyOf, type SigningKey } from "../key-file.ts";

const NAME = "audit-signing-key";
export const PRIVATE_KEY_FILE = `${NAME}.pem`;
/** What an auditor needs to verify checkpoints away from the platform. */
export const PUBLIC_KEY_FILE = `${NAME}.pub.pem`;

export type AuditKey = SigningKey;

/** The first 16 hex digits of SHA-256 over the key's SPKI DER: names the key in every checkpoint. */
export const auditKeyId = signingKeyId;

/** Loads the audit signing key from `dir`, or creates one there if the directory holds none. */
export function loadOrCreateAuditKey(dir: string): AuditKey {
  return loadOrCreateSigningKey(dir, NAME, "BWK_AUDIT_KEY_INVALID");
}

/** Checks that a key given in code is an Ed25519 private key, and derives its public half and id. */
export function auditSigningKey(privateKey: KeyObject): AuditKey {
  return signingKeyOf(privateKey, "BWK_AUDIT_KEY_INVALID");
}

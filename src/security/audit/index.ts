// Bulwark's tamper-evident audit log: the public surface of src/security/audit/.
//
// Use: migrateAudit(db) (the AuditLog constructor also runs it), key = loadOrCreateAuditKey(keysDir)
// with a keys dir apart from the database, log = new AuditLog(db, { signingKey: key.privateKey }),
// log.append({...}) before the action completes, log.maybeCheckpoint() from a timer, and now and
// then log.exportCheckpoint() to somewhere outside the database. An auditor runs
// verifyAuditLog(db, { publicKey, trustedCheckpoint }) with their own copy of the public key.
// Callers must never put secrets in an entry (see AuditEntry).

export { AuditLog } from "./audit-log.ts";
export { ObservedAuditLog } from "./observed.ts";
export type { AuditListener } from "./observed.ts";
export type { AuditLogOptions } from "./audit-log.ts";
export { canonicalJson } from "./canonical-json.ts";
export { parseCheckpoint } from "./checkpoint.ts";
export { AUDIT_LIMITS } from "./entry.ts";
export { auditKeyId, loadOrCreateAuditKey, PRIVATE_KEY_FILE, PUBLIC_KEY_FILE } from "./keys.ts";
export type { AuditKey } from "./keys.ts";
export { migrateAudit } from "./schema.ts";
export { verifyAuditLog } from "./verify.ts";
export type { VerifyOptions } from "./verify.ts";
export { ACTOR_TYPES, OUTCOMES } from "./types.ts";
export type {
  Actor, ActorType, AuditEntry, AuditQuery, AuditRecord, Checkpoint, DetailValue, Details, Outcome, TamperKind, VerifyResult,
} from "./types.ts";

// The shapes every security signal takes on its way to the audit log, the detector and the SIEM.
// A SecurityEvent is produced by a stage (edge, broker, sandbox, audit verifier) and keeps the id
// it was given at creation for its whole life: retries and redeliveries reuse it, so a SIEM can
// drop duplicates of an at-least-once delivery.

export const SEVERITIES = ["info", "low", "medium", "high", "critical"] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface SecurityEvent {
  /** Stable, assigned once at creation (uuid v7 or ULID). */
  id: string;
  /** ISO 8601 time the event happened. */
  time: string;
  /** e.g. "auth.failure", "waf.match", "rate.limited", "ip.denied", "capability.denied", "sandbox.escape", "audit.tampered". */
  type: string;
  severity: Severity;
  route?: string;
  clientIp?: string;
  principal?: string;
  function?: string;
  ruleId?: string;
  reason: string;
  requestId?: string;
  details?: Record<string, unknown>;
}

/** An audit record as the audit log hands it out; structural, so the audit module owns its type. */
export interface AuditRecordLike {
  seq: number;
  time: string;
  actor: { type: string; id: string };
  action: string;
  target: string;
  outcome: string;
  requestId?: string | null;
  details?: Record<string, unknown> | null;
  /** The record's hash in the audit chain; exported so a SIEM holds an independent copy of the chain. */
  hash?: string;
}

export type SiemItem = SecurityEvent | AuditRecordLike;

export function isAuditRecord(item: SiemItem): item is AuditRecordLike {
  return typeof (item as Partial<AuditRecordLike>).seq === "number";
}

/** The stable id a SIEM deduplicates on. Audit records are identified by their chain position. */
export function itemId(item: SiemItem): string {
  return isAuditRecord(item) ? `audit-${item.seq}` : item.id;
}

/** Audit outcomes other than success are worth a look; successes are routine. */
export function itemSeverity(item: SiemItem): Severity {
  if (!isAuditRecord(item)) return SEVERITIES.includes(item.severity) ? item.severity : "medium";
  return outcomeStatus(item.outcome) === "success" ? "info" : "medium";
}

export type OutcomeStatus = "success" | "failure" | "other";

export function outcomeStatus(outcome: string): OutcomeStatus {
  const o = outcome.toLowerCase();
  if (o === "success" || o === "ok" || o === "allowed") return "success";
  if (o === "failure" || o === "failed" || o === "denied" || o === "error" || o === "rejected") return "failure";
  return "other";
}

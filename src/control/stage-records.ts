// What a stage's parts leave behind (broker refusals and secret reads, edge refusals, sandbox
// kills, artifact checks) goes to the platform's one audit log and one event stream, each record
// naming its stage in details.stage: the same function name runs in dev and in prod, and an
// auditor must tell a dev secret read from a production one.
import type { AuditEntry, AuditLog, AuditRecord } from "../security/audit/index.ts";
import type { SecurityEvent } from "../security/events.ts";
import type { SecurityEventInput, SecurityEventRecorder } from "../security/recorder.ts";
import type { Stage } from "./auth/principal.ts";

export interface StageRecords {
  events: { record(input: SecurityEventInput): SecurityEvent };
  audit: { append(entry: AuditEntry): AuditRecord; appendBatch(entries: readonly AuditEntry[]): AuditRecord[] };
}

export function stageRecords(
  stage: Stage,
  events: Pick<SecurityEventRecorder, "record">,
  audit: Pick<AuditLog, "append" | "appendBatch">,
): StageRecords {
  const entry = (e: AuditEntry): AuditEntry => ({ ...e, details: { ...e.details, stage } });
  return {
    events: { record: (e) => events.record({ ...e, details: { ...e.details, stage } }) },
    audit: { append: (e) => audit.append(entry(e)), appendBatch: (batch) => audit.appendBatch(batch.map(entry)) },
  };
}

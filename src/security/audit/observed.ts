// An AuditLog that tells listeners about the records it committed (the SIEM feed, metrics),
// without them reaching into the log: every append goes through appendBatch, so overriding it
// sees them all. Listeners run after COMMIT; what they do cannot undo or delay durability.
import { AuditLog } from "./audit-log.ts";
import type { AuditEntry, AuditRecord } from "./types.ts";

export type AuditListener = (records: readonly AuditRecord[]) => void;

export class ObservedAuditLog extends AuditLog {
  readonly #listeners: AuditListener[] = [];

  onAppend(listener: AuditListener): void {
    this.#listeners.push(listener);
  }

  override appendBatch(entries: readonly AuditEntry[]): AuditRecord[] {
    const records = super.appendBatch(entries);
    for (const listener of this.#listeners) listener(records);
    return records;
  }
}

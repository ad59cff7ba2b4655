// Audit records that must be durable before the call they record is answered (secret reads),
// committed together: the records of every call that arrives in one turn of the event loop share
// one transaction, and so one disk sync (the audit database syncs every commit). node:sqlite syncs
// on the platform's only thread: a sync per read would stall every other request once per read.
// Sharing it costs a lone caller nothing (it waits for its own commit either way), and N callers
// at once pay one sync instead of N. Nothing is answered before its record is committed; if the
// commit fails, every call in it fails.
import type { AuditEntry, AuditLog } from "../security/audit/index.ts";

interface Waiting {
  entry: AuditEntry;
  committed: PromiseWithResolvers<void>;
}

export class GroupCommit {
  readonly #audit: Pick<AuditLog, "appendBatch">;
  #waiting: Waiting[] = [];

  constructor(audit: Pick<AuditLog, "appendBatch">) {
    this.#audit = audit;
  }

  /** Resolves once `entry` is committed. */
  append(entry: AuditEntry): Promise<void> {
    const committed = Promise.withResolvers<void>();
    // After the calls that arrived with this one (the poll phase) have queued theirs.
    if (this.#waiting.length === 0) setImmediate(() => this.flush());
    this.#waiting.push({ entry, committed });
    return committed.promise;
  }

  flush(): void {
    const batch = this.#waiting;
    if (batch.length === 0) return;
    this.#waiting = [];
    try {
      this.#audit.appendBatch(batch.map((w) => w.entry));
    } catch (e) {
      for (const w of batch) w.committed.reject(e);
      return;
    }
    for (const w of batch) w.committed.resolve();
  }
}

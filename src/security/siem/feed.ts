// Feeds the SIEM outbox from the two sources of record: the audit log and the security events
// table. The feed keeps a cursor per source (the last seq it enqueued), stored beside the outbox
// and moved in the same transaction as the outbox rows. A crash between a source's commit and
// the feed's therefore loses nothing: at the next start, pumpAll() finds the records past the
// cursor and enqueues them then. Items keep their ids (audit-<seq>, the event's uuid), so a SIEM
// drops any duplicate.
//
// Fast path: the audit log hands over the records it just committed; when they follow the cursor
// (the normal case) they are enqueued as they are, without reading them back.
import type { DatabaseSync, StatementSync } from "node:sqlite";
import type { AuditRecordLike, SecurityEvent, SiemItem } from "../events.ts";
import { checkItem } from "./item.ts";
import type { SiemOutbox } from "./outbox.ts";

export interface FeedSources {
  /** Audit records with seq greater than `afterSeq`, in seq order, at most `limit`. */
  auditAfter(afterSeq: number, limit: number): ReadonlyArray<AuditRecordLike>;
  /** Security events stored after row `afterSeq`, in order, each with its row seq. */
  eventsAfter(afterSeq: number, limit: number): ReadonlyArray<SecurityEvent & { seq: number }>;
}

type Source = "audit" | "events";
type Row = { seq: number; item: SiemItem };

const PAGE = 500;

export class SiemFeed {
  readonly #db: DatabaseSync;
  readonly #outbox: SiemOutbox;
  readonly #sources: FeedSources;
  readonly #onMalformed: (id: string, reason: string) => void;
  readonly #write: StatementSync;
  /** The stored cursors; one feed per database, so memory and table agree after each commit. */
  readonly #cursor: Record<Source, number> = { audit: 0, events: 0 };
  readonly #deferred = new Set<Source>();

  /** `db` holds the outbox; the cursors are kept beside it so both move in one commit. */
  constructor(db: DatabaseSync, outbox: SiemOutbox, sources: FeedSources, onMalformed: (id: string, reason: string) => void) {
    db.exec("CREATE TABLE IF NOT EXISTS siem_feed (source TEXT PRIMARY KEY, seq INTEGER NOT NULL) STRICT");
    this.#db = db;
    this.#outbox = outbox;
    this.#sources = sources;
    this.#onMalformed = onMalformed;
    this.#write = db.prepare("INSERT INTO siem_feed (source, seq) VALUES (?, ?) ON CONFLICT (source) DO UPDATE SET seq = excluded.seq");
    for (const row of db.prepare("SELECT source, seq FROM siem_feed").all()) {
      if (row["source"] === "audit" || row["source"] === "events") this.#cursor[row["source"]] = Number(row["seq"]);
    }
  }

  /** Everything past both cursors: at start, to carry over what a crash left behind. */
  pumpAll(): void {
    this.pumpEvents();
    this.pumpAudit();
  }

  /** After the audit log committed `records`. */
  auditAppended(records: readonly AuditRecordLike[]): void {
    const first = records[0];
    if (first !== undefined && first.seq === this.#cursor.audit + 1 && !this.#db.isTransaction) {
      this.#commit("audit", records.map((r) => ({ seq: r.seq, item: r })));
    } else {
      this.pumpAudit();
    }
  }

  pumpAudit(): void {
    this.#drain("audit", (after) => this.#sources.auditAfter(after, PAGE).map((r) => ({ seq: r.seq, item: r })));
  }

  /** After the event recorder committed a batch. */
  pumpEvents(): void {
    this.#drain("events", (after) => this.#sources.eventsAfter(after, PAGE).map(({ seq, ...event }) => ({ seq, item: event as SiemItem })));
  }

  #drain(source: Source, page: (after: number) => Row[]): void {
    if (this.#db.isTransaction) {
      // Someone's transaction is open on this database: ours would nest into it and only be as
      // durable as theirs. Run once it is over.
      if (!this.#deferred.has(source)) {
        this.#deferred.add(source);
        setImmediate(() => {
          this.#deferred.delete(source);
          this.#drain(source, page);
        });
      }
      return;
    }
    for (;;) {
      const rows = page(this.#cursor[source]);
      if (rows.length > 0) this.#commit(source, rows);
      if (rows.length < PAGE) return;
    }
  }

  /** Outbox rows and the moved cursor in one transaction. */
  #commit(source: Source, rows: readonly Row[]): void {
    const last = rows.at(-1)!.seq;
    this.#db.exec("BEGIN IMMEDIATE");
    try {
      this.#outbox.enqueueMany(rows.map((r) => r.item).filter((item) => this.#wellFormed(item)));
      this.#write.run(source, last);
      this.#db.exec("COMMIT");
    } catch (error) {
      if (this.#db.isTransaction) this.#db.exec("ROLLBACK");
      throw error;
    }
    this.#cursor[source] = last;
  }

  /** An item the outbox would refuse would block the feed forever: it is reported and passed over. */
  #wellFormed(item: SiemItem): boolean {
    try {
      checkItem(item);
      return true;
    } catch (e) {
      const id = "seq" in item ? `audit-${String(item.seq)}` : String((item as { id?: unknown }).id);
      this.#onMalformed(id, e instanceof Error ? e.message : String(e));
      return false;
    }
  }
}

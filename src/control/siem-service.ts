// The platform's one SIEM outbox: stored beside the state (its rows survive restarts), fed from
// the audit log and the security events by the pull-based feed, delivering while the platform
// runs. Webhook tokens are protected at rest with the token key in the keys dir.
import type { DatabaseSync } from "node:sqlite";
import type { Logger } from "pino";
import type { ObservedAuditLog } from "../security/audit/index.ts";
import type { SecurityEventRecorder } from "../security/recorder.ts";
import { SiemFeed } from "../security/siem/feed.ts";
import { SiemOutbox } from "../security/siem/outbox.ts";
import { tokenProtectionFromKeysDir } from "../security/siem/token-key.ts";

/** Retries start after half a second and back off to at most 30 s between attempts. */
const RETRY = { baseMs: 500, maxMs: 30_000 };

export function startSiem(deps: {
  db: DatabaseSync;
  keysDir: string;
  audit: ObservedAuditLog;
  events: SecurityEventRecorder;
  productVersion: string;
  log: Logger;
}): SiemOutbox {
  const { db, audit, events, log } = deps;
  const outbox = new SiemOutbox(db, {
    retry: RETRY,
    tokenProtection: tokenProtectionFromKeysDir(deps.keysDir),
    productVersion: deps.productVersion,
    onOverflow: (o) => log.warn({ sink: o.sink, itemId: o.itemId, pending: o.pending }, "SIEM sink outbox full: item not stored for it"),
  });
  const feed = new SiemFeed(
    db,
    outbox,
    {
      auditAfter: (afterSeq, limit) => audit.query({ afterSeq, limit }),
      eventsAfter: (afterSeq, limit) => events.query({ afterSeq, limit }),
    },
    (itemId, reason) => log.error({ itemId, reason }, "malformed item not exported to SIEM"),
  );
  // Never fails the append or the event flush that triggered it: the cursor did not move, so
  // the next change or the next start carries these records over.
  const safely = (work: () => void) => () => {
    try {
      work();
    } catch (e) {
      log.error({ err: e instanceof Error ? e.message : String(e) }, "SIEM feed failed; will retry on the next change");
    }
  };
  audit.onAppend((records) => safely(() => feed.auditAppended(records))());
  events.subscribe(safely(() => feed.pumpEvents()));
  safely(() => feed.pumpAll())();
  outbox.start();
  return outbox;
}

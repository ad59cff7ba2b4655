// The platform's one SIEM outbox: stored beside the state (its rows survive restarts), fed from
// the audit log and the security events by the pull-based feed, delivering while the platform
// runs. Webhook tokens are sealed at rest under the master key (siem-token-sealing.ts); tokens an
// older version protected with keys/siem-token.key are moved under it first.
import type { DatabaseSync } from "node:sqlite";
import type { Logger } from "pino";
import type { ObservedAuditLog } from "../security/audit/index.ts";
import type { SecurityEventRecorder } from "../security/recorder.ts";
import type { RefusedDestination } from "../security/siem/destination.ts";
import { SiemFeed } from "../security/siem/feed.ts";
import { SiemOutbox, type TokenSealer } from "../security/siem/outbox.ts";
import { migrateLegacyTokens } from "../security/siem/token-migration.ts";

/** Retries start after half a second and back off to at most 30 s between attempts. */
const RETRY = { baseMs: 500, maxMs: 30_000 };

export function startSiem(deps: {
  db: DatabaseSync;
  keysDir: string;
  tokenSealer: TokenSealer;
  audit: ObservedAuditLog;
  events: SecurityEventRecorder;
  productVersion: string;
  log: Logger;
}): SiemOutbox {
  const { db, audit, events, log } = deps;
  const tampered = (sink: string, reason: string) =>
    events.record({ type: "data.tampered", severity: "high", reason: `the webhook token of SIEM sink ${sink} ${reason}`, details: { sink } });
  // Sink names only: a token, sealed or not, never goes to a log line or an event.
  const migration = migrateLegacyTokens(db, deps.keysDir, deps.tokenSealer);
  if (migration.moved.length > 0) log.info({ sinks: migration.moved }, "SIEM webhook tokens moved under the master key");
  if (migration.keyRemoved) log.info("keys/siem-token.key removed: SIEM webhook tokens are sealed under the master key");
  for (const sink of migration.unreadable) {
    log.error({ sink }, "SIEM webhook token does not open under keys/siem-token.key; left as it was (remove the sink and add it again)");
    tampered(sink, "did not open under the legacy key keys/siem-token.key");
  }
  const outbox = new SiemOutbox(db, {
    retry: RETRY,
    tokenSealer: deps.tokenSealer,
    onTokenUnreadable: (sink) => {
      log.error({ sink }, "SIEM webhook token failed its integrity check; nothing sent to the sink");
      tampered(sink, "failed its integrity check (edited, or copied from another sink)");
    },
    onDestinationRefused: (refused) => {
      log.error({ sink: refused.sink, address: refused.address }, "SIEM delivery refused: the sink leads to a link-local or metadata address");
      recordRefusedDestination(events, refused, "connect");
    },
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

/**
 * A SIEM sink that leads to a link-local or cloud metadata address: high, because only someone
 * reaching for the host's cloud credentials (or a name rebound there) configures one.
 */
export function recordRefusedDestination(
  events: Pick<SecurityEventRecorder, "record">,
  refused: RefusedDestination,
  when: "configure" | "connect",
  request: { clientIp?: string; requestId?: string; principal?: string } = {},
): void {
  events.record({
    type: "siem.destination_refused",
    severity: "high",
    reason: `SIEM sink ${refused.sink} refused at ${when}: ${refused.host} is ${refused.address} (${refused.reason})`,
    route: "control",
    ...request,
    details: { sink: refused.sink, host: refused.host, address: refused.address, when },
  });
}

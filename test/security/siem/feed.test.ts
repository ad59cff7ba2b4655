// The feed from the audit log and the security events into the SIEM outbox, on real databases:
// every record reaches the outbox once, records committed while no feed ran are carried over on
// the next start, and one malformed item cannot block the stream.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import type { DatabaseSync } from "node:sqlite";
import { ObservedAuditLog } from "../../../src/security/audit/index.ts";
import { SecurityEventRecorder } from "../../../src/security/recorder.ts";
import { SiemFeed } from "../../../src/security/siem/feed.ts";
import { SiemOutbox } from "../../../src/security/siem/outbox.ts";
import { openDatabase } from "../../../src/store/sqlite/open.ts";

let dir: string;
let db: DatabaseSync;
let auditDb: DatabaseSync;
let audit: ObservedAuditLog;
let events: SecurityEventRecorder;
const signingKey = generateKeyPairSync("ed25519").privateKey;

function open(): void {
  db = openDatabase(join(dir, "bulwark.db"));
  auditDb = openDatabase(join(dir, "audit.db"), { synchronous: "FULL" });
  audit = new ObservedAuditLog(auditDb, { signingKey });
  events = new SecurityEventRecorder(db);
}

function close(): void {
  db.close();
  auditDb.close();
}

function feed(skipped: string[] = []): { outbox: SiemOutbox; feed: SiemFeed } {
  const outbox = new SiemOutbox(db, { retry: { baseMs: 10, maxMs: 20 } });
  if (outbox.listSinks().length === 0) outbox.addSink({ name: "soc", kind: "syslog", host: "127.0.0.1", port: 9, tls: false });
  const f = new SiemFeed(
    db,
    outbox,
    { auditAfter: (afterSeq, limit) => audit.query({ afterSeq, limit }), eventsAfter: (afterSeq, limit) => events.query({ afterSeq, limit }) },
    (id) => skipped.push(id),
  );
  return { outbox, feed: f };
}

function outboxIds(): string[] {
  return db.prepare("SELECT item_id FROM siem_outbox ORDER BY id").all().map((r) => String(r["item_id"]));
}

function appendAudit(n: number): void {
  for (let i = 0; i < n; i++) audit.append({ actor: { type: "user", id: "alice" }, action: "deploy.prod", target: "app", outcome: "success" });
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bulwark-feed-"));
  open();
});

afterEach(() => {
  close();
  rmSync(dir, { recursive: true, force: true });
});

describe("SiemFeed", () => {
  it("moves audit records and security events into the outbox with their stable ids", () => {
    const { feed: f } = feed();
    audit.onAppend((records) => f.auditAppended(records));
    events.subscribe(() => f.pumpEvents());

    appendAudit(2);
    const event = events.record({ type: "waf.match", severity: "high", reason: "union select" });
    events.flush();

    assert.deepEqual(outboxIds(), ["audit-1", "audit-2", event.id]);
  });

  it("enqueues each record once, however often it is pumped", () => {
    const { feed: f } = feed();
    appendAudit(3);

    f.pumpAll();
    f.pumpAll();

    assert.deepEqual(outboxIds(), ["audit-1", "audit-2", "audit-3"]);
  });

  it("carries over what was committed while no feed ran (a crash between the two commits)", () => {
    feed().feed.pumpAll();
    appendAudit(2);
    const lost = events.record({ type: "rate.limited", severity: "low", reason: "too fast" });
    events.flush();
    close();

    open();
    feed().feed.pumpAll();

    assert.deepEqual(outboxIds().sort(), ["audit-1", "audit-2", lost.id].sort());
  });

  it("pages through a long backlog", () => {
    appendAudit(1_234);

    feed().feed.pumpAll();

    assert.equal(outboxIds().length, 1_234);
    assert.equal(outboxIds().at(-1), "audit-1234");
  });

  it("attack: a malformed event is reported and passed over, not allowed to block the stream", () => {
    const skipped: string[] = [];
    const { feed: f } = feed(skipped);
    const bad = events.record({ type: "waf.match", severity: "catastrophic" as "high", reason: "x" });
    const good = events.record({ type: "waf.match", severity: "high", reason: "y" });
    events.flush();

    f.pumpAll();

    assert.deepEqual(skipped, [bad.id]);
    assert.deepEqual(outboxIds(), [good.id]);
  });

  it("reads back what it missed when appended records do not follow its cursor", () => {
    const { feed: f } = feed();
    appendAudit(2);
    audit.onAppend((records) => f.auditAppended(records));

    appendAudit(1);

    assert.deepEqual(outboxIds(), ["audit-1", "audit-2", "audit-3"]);
  });

  it("waits for a transaction open on its database instead of joining it", async () => {
    const { feed: f } = feed();
    audit.onAppend((records) => f.auditAppended(records));
    db.exec("BEGIN");

    appendAudit(1);
    db.exec("ROLLBACK");
    await new Promise((r) => setImmediate(r));

    assert.deepEqual(outboxIds(), ["audit-1"]);
  });
});

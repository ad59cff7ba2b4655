import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import type { SecurityEvent } from "../../../src/security/events.ts";
import { MAX_PAYLOAD_BYTES } from "../../../src/security/siem/item.ts";
import { SiemOutbox, type SiemOutboxOptions } from "../../../src/security/siem/outbox.ts";
import { migrateSiem } from "../../../src/security/siem/schema.ts";
import {
  OcsfReceiver, SyslogReceiver, hasOpenssl, makeTestPki, parseCef, parseSyslog, testTokenSealer, until, type TestPki,
} from "./support.ts";

const TOKEN = "tok_4f9c2a7e1b";

function event(overrides: Partial<SecurityEvent> = {}): SecurityEvent {
  return { id: randomUUID(), time: "2025-03-01T10:00:00.000Z", type: "ip.denied", severity: "medium", clientIp: "198.51.100.4", reason: "deny list", ...overrides };
}

function openDb(): DatabaseSync {
  const db = new DatabaseSync(":memory:");
  migrateSiem(db);
  return db;
}

function pendingRows(db: DatabaseSync, sink: string): number {
  return Number(db.prepare("SELECT count(*) AS n FROM siem_outbox WHERE sink = ? AND status = 'pending'").get(sink)!["n"]);
}

function syslogIds(r: SyslogReceiver): string[] {
  return r.frames.map((f) => parseCef(parseSyslog(f).msg).ext["externalId"]!);
}

const base: SiemOutboxOptions = { retry: { baseMs: 5, maxMs: 20 }, tokenSealer: testTokenSealer() };

describe("SiemOutbox.enqueue", () => {
  it("writes one row per sink before it returns, without any delivery running", () => {
    const db = openDb();
    const outbox = new SiemOutbox(db, base);
    outbox.enqueue(event()); // no sinks yet: nothing to keep
    outbox.addSink({ name: "a", kind: "syslog", host: "127.0.0.1", port: 9, tls: false });
    outbox.addSink({ name: "b", kind: "syslog", host: "127.0.0.1", port: 9, tls: false });
    outbox.enqueue(event());
    outbox.enqueue({ seq: 7, time: "2025-03-01T10:00:00.000Z", actor: { type: "user", id: "bob" }, action: "deploy", target: "function:charge", outcome: "success" });
    assert.equal(pendingRows(db, "a"), 2);
    assert.equal(pendingRows(db, "b"), 2);
    assert.deepEqual(db.prepare("SELECT DISTINCT item_id FROM siem_outbox WHERE item_id LIKE 'audit-%'").all().map((r) => r["item_id"]), ["audit-7"]);
  });

  it("enqueueMany stores a batch in one transaction, or nothing when one item is malformed", () => {
    const db = openDb();
    const outbox = new SiemOutbox(db, base);
    outbox.addSink({ name: "a", kind: "syslog", host: "127.0.0.1", port: 9, tls: false });
    assert.throws(() => outbox.enqueueMany([event(), event({ time: "never" })]), { code: "BWK_INVALID_ARGUMENT" });
    assert.equal(pendingRows(db, "a"), 0);
    outbox.enqueueMany([event(), event(), event()]);
    assert.equal(pendingRows(db, "a"), 3);
  });

  it("refuses items that are not well-formed platform data", () => {
    const outbox = new SiemOutbox(openDb(), base);
    outbox.addSink({ name: "a", kind: "syslog", host: "127.0.0.1", port: 9, tls: false });
    const cyclic: Record<string, unknown> = {};
    cyclic["self"] = cyclic;
    for (const bad of [
      event({ id: "" }),
      event({ time: "yesterday" }),
      event({ severity: "urgent" as SecurityEvent["severity"] }),
      event({ details: cyclic }),
      event({ details: { n: 1n } }),
    ]) {
      assert.throws(() => outbox.enqueue(bad), { code: "BWK_INVALID_ARGUMENT" });
    }
  });

  it("keeps an attacker-sized event bounded: details are dropped and long strings cut, the id kept", () => {
    const db = openDb();
    const outbox = new SiemOutbox(db, base);
    outbox.addSink({ name: "a", kind: "syslog", host: "127.0.0.1", port: 9, tls: false });
    const huge = event({ reason: "x".repeat(500_000), details: { body: "y".repeat(500_000) } });
    outbox.enqueue(huge);
    const row = db.prepare("SELECT item_id, payload FROM siem_outbox").get()!;
    assert.equal(row["item_id"], huge.id);
    assert.ok(Buffer.byteLength(String(row["payload"])) <= MAX_PAYLOAD_BYTES);
    const stored = JSON.parse(String(row["payload"])) as SecurityEvent;
    assert.equal(stored.id, huge.id);
    assert.equal(stored.details?.["truncated"], true);
  });

  it("refuses items beyond maxPendingPerSink for that sink only, and says so (never silently)", () => {
    const db = openDb();
    const overflows: Array<{ sink: string; itemId: string }> = [];
    const outbox = new SiemOutbox(db, { ...base, maxPendingPerSink: 3, onOverflow: (o) => overflows.push(o) });
    outbox.addSink({ name: "a", kind: "syslog", host: "127.0.0.1", port: 9, tls: false });
    const events = Array.from({ length: 5 }, () => event());
    for (const e of events) outbox.enqueue(e);
    assert.equal(pendingRows(db, "a"), 3);
    assert.deepEqual(overflows.map((o) => o.itemId), [events[3]!.id, events[4]!.id]);
    assert.equal(outbox.stats().sinks[0]!.overflowed, 2);
    // a sink added later has room of its own
    outbox.addSink({ name: "b", kind: "syslog", host: "127.0.0.1", port: 9, tls: false });
    outbox.enqueue(event());
    assert.equal(pendingRows(db, "b"), 1);
    assert.equal(outbox.stats().sinks[0]!.overflowed, 3);
  });
});

describe("SiemOutbox sinks", () => {
  it("stores the webhook token only sealed, never lists it, and removes it with its sink", () => {
    const db = openDb();
    const outbox = new SiemOutbox(db, base);
    outbox.addSink({ name: "siem", kind: "ocsf-https", url: "https://siem.example/ingest", token: TOKEN });
    const config = db.prepare("SELECT config, protected_token FROM siem_sinks").get()!;
    const sealed = db.prepare("SELECT wrapped_key, ciphertext FROM siem_sink_tokens WHERE sink = 'siem'").get()!;
    assert.equal(String(config["config"]).includes(TOKEN), false);
    assert.equal(config["protected_token"], null);
    assert.equal(Buffer.from(sealed["ciphertext"] as Uint8Array).includes(TOKEN), false);
    const token = { wrappedKey: Buffer.from(sealed["wrapped_key"] as Uint8Array), ciphertext: Buffer.from(sealed["ciphertext"] as Uint8Array) };
    assert.equal(base.tokenSealer!.open("siem", token), TOKEN);
    assert.deepEqual(outbox.listSinks(), [{ name: "siem", kind: "ocsf-https", url: "https://siem.example/ingest", batchSize: 100, hasCa: false, createdAt: outbox.listSinks()[0]!.createdAt }]);
    outbox.removeSink("siem");
    assert.equal(db.prepare("SELECT count(*) AS n FROM siem_sink_tokens").get()!["n"], 0);
  });

  it("refuses an https sink when no token sealer was given (no token is ever stored in clear)", () => {
    const outbox = new SiemOutbox(openDb(), { retry: base.retry });
    assert.throws(() => outbox.addSink({ name: "siem", kind: "ocsf-https", url: "https://siem.example/", token: TOKEN }), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("refuses a duplicate name, and removing an unknown sink is BWK_NOT_FOUND", () => {
    const db = openDb();
    const outbox = new SiemOutbox(db, base);
    outbox.addSink({ name: "a", kind: "syslog", host: "127.0.0.1", port: 9, tls: false });
    assert.throws(() => outbox.addSink({ name: "a", kind: "syslog", host: "127.0.0.1", port: 10, tls: false }), { code: "BWK_INVALID_ARGUMENT" });
    outbox.enqueue(event());
    outbox.removeSink("a");
    assert.equal(pendingRows(db, "a"), 0);
    assert.deepEqual(outbox.listSinks(), []);
    assert.throws(() => outbox.removeSink("a"), { code: "BWK_NOT_FOUND" });
  });

  it("refuses a retry policy that makes no sense", () => {
    assert.throws(() => new SiemOutbox(openDb(), { retry: { baseMs: 0, maxMs: 10 } }), { code: "BWK_INVALID_ARGUMENT" });
    assert.throws(() => new SiemOutbox(openDb(), { retry: { baseMs: 50, maxMs: 10 } }), { code: "BWK_INVALID_ARGUMENT" });
  });
});

describe("SiemOutbox delivery", { skip: hasOpenssl() ? false : "openssl CLI not found" }, () => {
  let pki: TestPki;
  let webhook: OcsfReceiver;
  let syslog: SyslogReceiver;
  let syslogTls: SyslogReceiver;

  before(async () => {
    pki = makeTestPki();
    webhook = new OcsfReceiver(pki);
    syslog = new SyslogReceiver();
    syslogTls = new SyslogReceiver({ key: pki.key, cert: pki.cert });
    await Promise.all([webhook.start(), syslog.start(), syslogTls.start()]);
  });

  after(async () => {
    await Promise.all([webhook.stop(), syslog.stop(), syslogTls.stop()]);
  });

  it("keeps a batch the webhook answered 503 to, retries with backoff, and delivers it once it answers 200", async () => {
    const db = openDb();
    const outbox = new SiemOutbox(db, base);
    outbox.addSink({ name: "siem", kind: "ocsf-https", url: `https://127.0.0.1:${webhook.port}/`, token: TOKEN, ca: pki.ca });
    const events = [event(), event(), event()];
    webhook.status = 503;
    for (const e of events) outbox.enqueue(e);
    outbox.start();
    await until(() => webhook.authorizations.length >= 2, "two refused attempts");
    assert.equal(pendingRows(db, "siem"), 3);
    assert.match(outbox.stats().sinks[0]!.lastError ?? "", /503/);
    webhook.status = 200;
    await until(() => pendingRows(db, "siem") === 0, "delivery after recovery");
    await outbox.stop();
    const uids = webhook.batches.flat().map((e) => (e as { metadata: { uid: string } }).metadata.uid);
    assert.deepEqual(new Set(uids), new Set(events.map((e) => e.id)));
    assert.equal(outbox.stats().sinks[0]!.consecutiveFailures, 0);
  });

  it("sends nothing to a man in the middle whose certificate chains to another CA", async () => {
    const db = openDb();
    const outbox = new SiemOutbox(db, base);
    const seenBefore = webhook.authorizations.length;
    const framesBefore = syslogTls.frames.length;
    outbox.addSink({ name: "siem", kind: "ocsf-https", url: `https://localhost:${webhook.port}/`, token: TOKEN, ca: pki.otherCa });
    outbox.addSink({ name: "syslog", kind: "syslog", host: "localhost", port: syslogTls.port, tls: true, ca: pki.otherCa });
    outbox.enqueue(event());
    outbox.start();
    await until(() => outbox.stats().sinks.every((s) => s.consecutiveFailures >= 2), "refused handshakes");
    await outbox.stop();
    for (const s of outbox.stats().sinks) {
      assert.equal(s.pending, 1, `${s.name} kept its row`);
      assert.match(s.lastError ?? "", /certificate|verify|self.signed/i);
    }
    assert.equal(webhook.authorizations.length, seenBefore, "the token never left");
    assert.equal(syslogTls.frames.length, framesBefore);
  });

  it("cannot deliver, or leak, a token it cannot open (database moved without its key), and reports it once", async () => {
    const db = openDb();
    const first = new SiemOutbox(db, base);
    first.addSink({ name: "siem", kind: "ocsf-https", url: `https://localhost:${webhook.port}/`, token: TOKEN, ca: pki.ca });
    first.enqueue(event());
    const seenBefore = webhook.authorizations.length;
    const unreadable: string[] = [];
    const second = new SiemOutbox(db, { ...base, tokenSealer: testTokenSealer(), onTokenUnreadable: (sink) => unreadable.push(sink) });
    second.start();
    await until(() => second.stats().sinks[0]!.consecutiveFailures >= 2, "refused to send, twice");
    await second.stop();
    assert.equal(second.stats().sinks[0]!.pending, 1);
    assert.match(second.stats().sinks[0]!.lastError ?? "", /integrity/);
    assert.deepEqual(unreadable, ["siem"], "reported once, not per retry");
    assert.equal(webhook.authorizations.length, seenBefore);
  });

  it("attack: a token copied onto another sink's row (to send it to the attacker's URL) does not open there and is reported", async () => {
    const db = openDb();
    const unreadable: string[] = [];
    const outbox = new SiemOutbox(db, { ...base, onTokenUnreadable: (sink) => unreadable.push(sink) });
    const seenBefore = webhook.authorizations.length;
    outbox.addSink({ name: "soc", kind: "ocsf-https", url: "https://127.0.0.1:1/ingest", token: TOKEN });
    outbox.addSink({ name: "evil", kind: "ocsf-https", url: `https://localhost:${webhook.port}/`, token: "attacker-token", ca: pki.ca });
    db.prepare(`UPDATE siem_sink_tokens SET (wrapped_key, ciphertext) = (SELECT wrapped_key, ciphertext FROM siem_sink_tokens WHERE sink = 'soc') WHERE sink = 'evil'`).run();
    outbox.enqueue(event());
    outbox.start();
    await until(() => unreadable.includes("evil"), "the swapped token reported");
    await outbox.stop();
    assert.deepEqual(unreadable, ["evil"]);
    assert.equal(webhook.authorizations.slice(seenBefore).includes(`Bearer ${TOKEN}`), false, "the token never reached the attacker's URL");
    const evil = outbox.stats().sinks.find((s) => s.name === "evil")!;
    assert.equal(evil.pending, 1);
    assert.match(evil.lastError ?? "", /integrity/);
    assert.equal(evil.lastError?.includes(TOKEN), false);
  });

  it("sets a corrupted row aside as dead, counted, and delivers the rest", async () => {
    const db = openDb();
    const outbox = new SiemOutbox(db, base);
    outbox.addSink({ name: "syslog", kind: "syslog", host: "127.0.0.1", port: syslog.port, tls: false });
    const [broken, fine] = [event(), event()];
    outbox.enqueue(broken);
    outbox.enqueue(fine);
    db.prepare("UPDATE siem_outbox SET payload = '{not json' WHERE item_id = ?").run(broken.id);
    outbox.start();
    await until(() => syslogIds(syslog).includes(fine.id), "the intact row delivered");
    await until(() => outbox.stats().sinks[0]!.pending === 0, "drained");
    await outbox.stop();
    const stats = outbox.stats().sinks[0]!;
    assert.equal(stats.dead, 1);
    assert.equal(stats.delivered, 1);
    assert.equal(syslogIds(syslog).includes(broken.id), false);
  });

  it("starts delivering to a sink added while running", async () => {
    const db = openDb();
    const outbox = new SiemOutbox(db, base);
    outbox.start();
    outbox.addSink({ name: "late", kind: "syslog", host: "127.0.0.1", port: syslog.port, tls: false });
    const e = event();
    outbox.enqueue(e);
    await until(() => syslogIds(syslog).includes(e.id), "delivered by the new sink");
    await outbox.stop();
  });
});

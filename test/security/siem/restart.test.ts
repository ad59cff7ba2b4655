// End to end against real receivers: a TCP syslog server, a TLS syslog server and an HTTPS webhook.
// The SIEM goes down, events keep coming, the platform restarts, the SIEM comes back: every event
// must arrive (duplicates allowed, losses not), in the right format.

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import type { AuditRecordLike, SecurityEvent } from "../../../src/security/events.ts";
import { migrateSiem } from "../../../src/security/siem/schema.ts";
import { SiemOutbox } from "../../../src/security/siem/outbox.ts";
import {
  OcsfReceiver, SyslogReceiver, hasOpenssl, makeTestPki, parseCef, parseSyslog, testTokenSealer, until, type TestPki,
} from "./support.ts";

const TOKEN = "siem-token-Zx81_qq.-secret";
const HOSTILE_REASON = "blocked\n<13>1 2025-01-01T00:00:00Z evil bulwark - - - CEF:0|Forged|x|1|x|x|10|src=6.6.6.6 | pipe \\ backslash cs1=forged=yes\r\nnext";

function securityEvent(n: number, overrides: Partial<SecurityEvent> = {}): SecurityEvent {
  return {
    id: randomUUID(),
    time: new Date(Date.UTC(2025, 0, 1, 0, 0, n)).toISOString(),
    type: "waf.match",
    severity: "high",
    route: "POST /charge",
    clientIp: "203.0.113.7",
    ruleId: "sqli-001",
    reason: `union select in body #${n}`,
    requestId: `req-${n}`,
    ...overrides,
  };
}

function auditRecord(seq: number): AuditRecordLike {
  return {
    seq,
    time: new Date(Date.UTC(2025, 0, 1, 1, 0, seq)).toISOString(),
    actor: { type: "user", id: "alice" },
    action: "secret.rotate",
    target: "secret:PSP_API_KEY",
    outcome: "success",
    requestId: null,
    details: { version: seq },
  };
}

describe("SiemOutbox across a SIEM outage and a platform restart", { skip: hasOpenssl() ? false : "openssl CLI not found" }, () => {
  let dir: string;
  let pki: TestPki;
  let syslogTcp: SyslogReceiver;
  let syslogTls: SyslogReceiver;
  let webhook: OcsfReceiver;
  const sealer = testTokenSealer();
  const outboxOptions = { retry: { baseMs: 5, maxMs: 40 }, tokenSealer: sealer, productVersion: "9.9.9", hostname: "test-host" };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "bulwark-siem-"));
    pki = makeTestPki();
    syslogTcp = new SyslogReceiver();
    syslogTls = new SyslogReceiver({ key: pki.key, cert: pki.cert });
    webhook = new OcsfReceiver(pki);
    await Promise.all([syslogTcp.start(), syslogTls.start(), webhook.start()]);
  });

  after(async () => {
    await Promise.all([syslogTcp.stop(), syslogTls.stop(), webhook.stop()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers everything enqueued while the receivers were down, after a restart, with ids and formats intact", async () => {
    // prepare: a platform with three sinks, delivering normally
    const file = join(dir, "platform.db");
    let db = new DatabaseSync(file);
    migrateSiem(db);
    let outbox = new SiemOutbox(db, outboxOptions);
    outbox.addSink({ name: "webhook", kind: "ocsf-https", url: `https://localhost:${webhook.port}/ingest`, token: TOKEN, ca: pki.ca, batchSize: 7 });
    outbox.addSink({ name: "syslog-tcp", kind: "syslog", host: "127.0.0.1", port: syslogTcp.port, tls: false });
    outbox.addSink({ name: "syslog-tls", kind: "syslog", host: "localhost", port: syslogTls.port, tls: true, ca: pki.ca });
    outbox.start();
    const warmup = securityEvent(0);
    outbox.enqueue(warmup);
    await until(() => received(webhook).has(warmup.id) && syslogIds(syslogTcp).has(warmup.id) && syslogIds(syslogTls).has(warmup.id), "warm-up event");

    // act 1: the SIEM goes down; the platform keeps producing events, then restarts
    await Promise.all([syslogTcp.stop(), syslogTls.stop(), webhook.stop()]);
    const events = Array.from({ length: 20 }, (_, n) => securityEvent(n + 1));
    events.push(securityEvent(21, { reason: HOSTILE_REASON, principal: "mallory|x=y", route: "GET /a|b\nc", severity: "critical", type: "auth.failure" }));
    events.push(securityEvent(22, { type: "rate.limited", severity: "low", clientIp: "2001:db8::7", ruleId: undefined }));
    const audits = [auditRecord(1), auditRecord(2)];
    for (const e of events) outbox.enqueue(e);
    for (const r of audits) outbox.enqueue(r);
    const expected = [...events.map((e) => e.id), "audit-1", "audit-2"];
    await until(() => outbox.stats().sinks.every((s) => s.consecutiveFailures >= 2), "failed attempts on every sink");
    await outbox.stop();
    db.close();

    // assess: nothing was lost while the SIEM was down, and no token lies in the file in clear
    db = new DatabaseSync(file);
    const pending = db.prepare("SELECT sink, count(*) AS n FROM siem_outbox WHERE status = 'pending' GROUP BY sink").all();
    assert.deepEqual(pending.map((r) => [r["sink"], r["n"]]), [["syslog-tcp", 24], ["syslog-tls", 24], ["webhook", 24]]);
    db.close();
    assert.equal(readFileSync(file).includes(TOKEN), false);

    // act 2: a new process opens the same file; the SIEM comes back
    db = new DatabaseSync(file);
    migrateSiem(db);
    outbox = new SiemOutbox(db, outboxOptions);
    assert.deepEqual(outbox.listSinks().map((s) => s.name), ["syslog-tcp", "syslog-tls", "webhook"]);
    await Promise.all([syslogTcp.start(), syslogTls.start(), webhook.start()]);
    outbox.start();
    await until(() => expected.every((id) => received(webhook).has(id) && syslogIds(syslogTcp).has(id) && syslogIds(syslogTls).has(id)), "every event at every receiver");
    await until(() => outbox.stats().sinks.every((s) => s.pending === 0), "outbox drained");
    const stats = outbox.stats();
    await outbox.stop();
    db.close();

    // assess: counters, the bearer token, the OCSF batches and every syslog frame
    for (const s of stats.sinks) assert.ok(s.delivered >= 25, `${s.name} delivered ${s.delivered}`);
    assert.ok(webhook.authorizations.every((a) => a === `Bearer ${TOKEN}`));
    assert.ok(webhook.batches.every((b) => b.length <= 7), "batchSize respected");
    const ocsf = new Map(webhook.batches.flat().map((e) => [(e as { metadata: { uid: string } }).metadata.uid, e as Record<string, unknown>]));
    assert.equal((ocsf.get(events[0]!.id) as { class_uid: number }).class_uid, 2004);
    assert.equal((ocsf.get(events[20]!.id) as { class_uid: number }).class_uid, 3002);
    assert.equal((ocsf.get(events[21]!.id) as { class_uid: number }).class_uid, 4002);
    assert.equal((ocsf.get("audit-2") as { class_uid: number }).class_uid, 6003);
    assert.equal((ocsf.get(events[20]!.id) as { message: string }).message, HOSTILE_REASON, "JSON carries the reason verbatim");

    for (const receiver of [syslogTcp, syslogTls]) {
      // a CR or LF never crosses the wire: no receiver splitting on lines can be fooled
      if (receiver === syslogTcp) assert.equal(Buffer.concat(receiver.raw).some((b) => b === 0x0a || b === 0x0d), false);
      const byId = new Map<string, { syslog: ReturnType<typeof parseSyslog>; cef: ReturnType<typeof parseCef> }>();
      for (const frame of receiver.frames) {
        const syslog = parseSyslog(frame);
        const cef = parseCef(syslog.msg);
        byId.set(cef.ext["externalId"]!, { syslog, cef });
        assert.equal(syslog.version, "1");
        assert.equal(syslog.hostname, "test-host");
        assert.equal(syslog.appName, "bulwark");
        assert.equal(syslog.structuredData, '[origin software="Bulwark" swVersion="9.9.9"]');
        assert.deepEqual(cef.header.slice(0, 4), ["CEF:0", "Bulwark", "Bulwark", "9.9.9"]);
      }
      assert.equal(new Set(receiver.frames.map((f) => parseCef(parseSyslog(f).msg).ext["externalId"])).size, byId.size);

      const waf = byId.get(events[0]!.id)!;
      assert.equal(waf.syslog.pri, 10 * 8 + 3, "authpriv.err for a high event");
      assert.equal(waf.syslog.msgId, "waf.match");
      assert.equal(waf.syslog.timestamp, events[0]!.time);
      assert.deepEqual(waf.cef.header.slice(4), ["waf.match", "WAF rule matched", "8"]);
      assert.equal(waf.cef.ext["rt"], String(Date.parse(events[0]!.time)));
      assert.equal(waf.cef.ext["src"], "203.0.113.7");
      assert.equal(waf.cef.ext["cs1"], "sqli-001");
      assert.equal(waf.cef.ext["cs1Label"], "ruleId");
      assert.equal(waf.cef.ext["request"], "/charge");

      const hostile = byId.get(events[20]!.id)!;
      assert.equal(hostile.syslog.pri, 10 * 8 + 2);
      assert.equal(hostile.cef.ext["msg"], HOSTILE_REASON, "the reason round-trips exactly");
      assert.equal(hostile.cef.ext["suser"], "mallory|x=y");
      assert.equal(hostile.cef.ext["src"], "203.0.113.7", "the forged src=6.6.6.6 did not become a field");
      assert.equal(hostile.cef.ext["cs1"], "sqli-001", "the forged cs1 did not become a field");
      assert.equal(hostile.cef.ext["outcome"], "failure");

      const v6 = byId.get(events[21]!.id)!;
      assert.equal(v6.cef.ext["src"], undefined);
      assert.equal(v6.cef.ext["c6a2"], "2001:db8::7");

      const audit = byId.get("audit-2")!;
      assert.equal(audit.syslog.pri, 13 * 8 + 6, "log audit.info");
      assert.equal(audit.syslog.msgId, "audit");
      assert.equal(audit.cef.ext["act"], "secret.rotate");
      assert.equal(audit.cef.ext["cs4"], "secret:PSP_API_KEY");
      assert.equal(audit.cef.ext["cn1"], "2");

      for (const id of expected) assert.ok(byId.has(id), `${id} arrived`);
    }
  });
});

function received(r: OcsfReceiver): Set<string> {
  return new Set(r.batches.flat().map((e) => (e as { metadata: { uid: string } }).metadata.uid));
}

function syslogIds(r: SyslogReceiver): Set<string> {
  return new Set(r.frames.map((f) => parseCef(parseSyslog(f).msg).ext["externalId"]!));
}

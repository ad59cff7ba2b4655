// SIEM webhook tokens under the master key, with the platform's real parts (master key ring on
// disk, sealer, audit log, security events, outbox) and a real HTTPS webhook: an older data dir's
// tokens move under the master key at start, `keys rotate-master` rewraps them, a token swapped
// onto another sink is refused and recorded, and no token ever reaches a log line.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DatabaseSync } from "node:sqlite";
import { Writable } from "node:stream";
import { after, before, describe, it } from "node:test";
import { pino } from "pino";
import { wrappingKeyId } from "../../src/broker/crypto/master-key.ts";
import { MASTER_KEY_FILE, MasterKeyRing } from "../../src/broker/master-key-ring.ts";
import { Sealer } from "../../src/broker/sealing.ts";
import { startSiem } from "../../src/control/siem-service.ts";
import { masterKeySiemTokenSealer } from "../../src/control/siem-token-sealing.ts";
import { ObservedAuditLog, loadOrCreateAuditKey } from "../../src/security/audit/index.ts";
import { SecurityEventRecorder } from "../../src/security/recorder.ts";
import { migrateSiem } from "../../src/security/siem/schema.ts";
import { openDatabase } from "../../src/store/sqlite/open.ts";
import { OcsfReceiver, hasOpenssl, makeTestPki, until, writeLegacyTokenKey, type TestPki } from "../security/siem/support.ts";

const TOKEN = "hec-token-master-key-9Qz_secret";

/** One platform process over `dir`: what platform.ts wires, in its order (master key, then SIEM). */
async function startPlatform(dir: string, logLines: string[]) {
  const keysDir = join(dir, "keys");
  const db = openDatabase(join(dir, "bulwark.db"));
  const auditDb = openDatabase(join(dir, "audit.db"));
  const audit = new ObservedAuditLog(auditDb, { signingKey: loadOrCreateAuditKey(keysDir).privateKey });
  const events = new SecurityEventRecorder(db);
  const log = pino(new Writable({ write(chunk, _encoding, done) { logLines.push(String(chunk)); done(); } }));
  const ring = await MasterKeyRing.open(keysDir, {}, [db], () => {});
  const siem = startSiem({ db, keysDir, tokenSealer: masterKeySiemTokenSealer(new Sealer(ring)), audit, events, productVersion: "1.0.0", log });
  const auditSomething = (n: number) => audit.append({ actor: { type: "user", id: "olga" }, action: "deploy", target: `function:f${n}`, outcome: "success" });
  const stop = async () => {
    await siem.stop();
    events.close();
    db.close();
    auditDb.close();
  };
  return { keysDir, db, ring, siem, events, auditSomething, stop };
}

function storedToken(db: DatabaseSync, sink: string): { wrappedKey: Buffer; ciphertext: Buffer } {
  const row = db.prepare("SELECT wrapped_key, ciphertext FROM siem_sink_tokens WHERE sink = ?").get(sink)!;
  return { wrappedKey: Buffer.from(row["wrapped_key"] as Uint8Array), ciphertext: Buffer.from(row["ciphertext"] as Uint8Array) };
}

describe("SIEM webhook tokens under the master key", { skip: hasOpenssl() ? false : "openssl CLI not found" }, () => {
  let root: string;
  let pki: TestPki;
  let webhook: OcsfReceiver;
  let n = 0;
  const freshDir = () => mkdtempSync(join(root, `p${++n}-`));
  /** Waits for a batch carrying `authorization` from now on. */
  const nextDelivery = (authorization: string) => {
    const from = webhook.authorizations.length;
    return () => webhook.authorizations.slice(from).includes(authorization);
  };

  before(async () => {
    root = mkdtempSync(join(tmpdir(), "bulwark-siem-master-"));
    pki = makeTestPki();
    webhook = new OcsfReceiver(pki);
    await webhook.start();
  });

  after(async () => {
    await webhook.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it("moves a token an older version protected with keys/siem-token.key under the master key at start, and removes that key", async () => {
    // prepare: a data dir as an older version left it
    const dir = freshDir();
    const keysDir = join(dir, "keys");
    const protect = writeLegacyTokenKey(keysDir);
    const old = openDatabase(join(dir, "bulwark.db"));
    migrateSiem(old);
    const settings = { kind: "ocsf-https", url: `https://localhost:${webhook.port}/ingest`, batchSize: 100, ca: pki.ca };
    old.prepare("INSERT INTO siem_sinks (name, kind, config, protected_token, created_at) VALUES ('soc', 'ocsf-https', ?, ?, 1)").run(JSON.stringify(settings), protect(TOKEN));
    old.close();
    const logs: string[] = [];

    // act
    const p = await startPlatform(dir, logs);
    const delivered = nextDelivery(`Bearer ${TOKEN}`);
    p.auditSomething(1);
    await until(delivered, "a delivery with the moved token");

    // assess
    assert.equal(existsSync(join(keysDir, "siem-token.key")), false);
    assert.equal(p.db.prepare("SELECT protected_token FROM siem_sinks WHERE name = 'soc'").get()!["protected_token"], null);
    assert.equal(wrappingKeyId(storedToken(p.db, "soc").wrappedKey), p.ring.current.id);
    assert.ok(logs.some((l) => l.includes("moved under the master key")));
    await p.stop();
    assert.equal(readFileSync(join(dir, "bulwark.db")).includes(TOKEN), false);
    assert.equal(logs.some((l) => l.includes(TOKEN)), false, "no token in any log line");
  });

  it("keys rotate-master rewraps the token: it is sent before and after a restart with the new key, and the old key no longer starts", async () => {
    // prepare
    const dir = freshDir();
    const logs: string[] = [];
    let p = await startPlatform(dir, logs);
    p.siem.addSink({ name: "soc", kind: "ocsf-https", url: `https://localhost:${webhook.port}/ingest`, token: TOKEN, ca: pki.ca });
    const before = storedToken(p.db, "soc");
    const oldKey = readFileSync(join(p.keysDir, MASTER_KEY_FILE), "utf8").trim();

    // act
    const rotation = await p.ring.rotate([p.db]);

    // assess: rewrapped, ciphertext untouched, the running outbox still sends the token
    const after = storedToken(p.db, "soc");
    assert.equal(rotation.rewrapped, 1);
    assert.equal(wrappingKeyId(after.wrappedKey), rotation.newKeyId);
    assert.deepEqual(after.ciphertext, before.ciphertext);
    let delivered = nextDelivery(`Bearer ${TOKEN}`);
    p.auditSomething(1);
    await until(delivered, "a delivery after the rotation");
    await p.stop();

    p = await startPlatform(dir, logs);
    delivered = nextDelivery(`Bearer ${TOKEN}`);
    p.auditSomething(2);
    await until(delivered, "a delivery after a restart with the new key");
    await p.stop();
    const reopened = openDatabase(join(dir, "bulwark.db"));
    try {
      await assert.rejects(MasterKeyRing.open(join(dir, "keys"), { env: oldKey }, [reopened], () => {}), { code: "BWK_INVALID_ARGUMENT" });
    } finally {
      reopened.close();
    }
    assert.equal(logs.some((l) => l.includes(TOKEN)), false, "no token in any log line");
  });

  it("attack: a token copied onto another sink's row (to send it to the attacker's URL) does not open, is recorded as data.tampered, and never leaves", async () => {
    // prepare: the SOC's sink and one the attacker points at their own server, then the row swap at rest
    const dir = freshDir();
    const logs: string[] = [];
    let p = await startPlatform(dir, logs);
    p.siem.addSink({ name: "soc", kind: "ocsf-https", url: "https://127.0.0.1:1/ingest", token: TOKEN });
    p.siem.addSink({ name: "evil", kind: "ocsf-https", url: `https://localhost:${webhook.port}/ingest`, token: "attacker-token", ca: pki.ca });
    await p.stop();
    const swap = openDatabase(join(dir, "bulwark.db"));
    swap.prepare("UPDATE siem_sink_tokens SET (wrapped_key, ciphertext) = (SELECT wrapped_key, ciphertext FROM siem_sink_tokens WHERE sink = 'soc') WHERE sink = 'evil'").run();
    swap.close();
    const seenBefore = webhook.authorizations.length;

    // act
    p = await startPlatform(dir, logs);
    p.auditSomething(1);
    await until(() => p.events.query({ type: "data.tampered" }).length > 0, "the tampering recorded");

    // assess
    const [event] = p.events.query({ type: "data.tampered" });
    assert.equal(event!.severity, "high");
    assert.deepEqual(event!.details, { sink: "evil" });
    const evil = p.siem.stats().sinks.find((s) => s.name === "evil")!;
    assert.match(evil.lastError ?? "", /integrity/);
    await p.stop();
    assert.equal(webhook.authorizations.slice(seenBefore).includes(`Bearer ${TOKEN}`), false, "the token never reached the attacker");
    assert.equal(logs.some((l) => l.includes(TOKEN)), false, "no token in any log line");
    assert.ok(logs.some((l) => l.includes("integrity check") && l.includes("evil")));
  });
});

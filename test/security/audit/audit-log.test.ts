import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, test } from "node:test";
import { AuditLog, migrateAudit, parseCheckpoint, verifyAuditLog } from "../../../src/security/audit/index.ts";
import type { AuditLogOptions } from "../../../src/security/audit/index.ts";
import { entry } from "./helpers.ts";

const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const START = Date.parse("2025-01-31T12:00:00.000Z");

let dir: string;
let db: DatabaseSync;
let clock: number;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bulwark-audit-log-"));
  db = new DatabaseSync(join(dir, "state.db"));
  clock = START;
});
afterEach(() => {
  if (db.isOpen) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(options: Partial<AuditLogOptions> = {}): AuditLog {
  return new AuditLog(db, { signingKey: privateKey, clock: () => clock, ...options });
}

describe("AuditLog.append", () => {
  test("numbers records 1..n and chains each to the one before", () => {
    const log = open();
    const records = [1, 2, 3].map((i) => log.append(entry(i)));
    assert.deepEqual(records.map((r) => r.seq), [1, 2, 3]);
    assert.equal(records[1]?.prevHash, records[0]?.hash);
    assert.equal(records[2]?.prevHash, records[1]?.hash);
    assert.match(records[0]?.prevHash ?? "", /^[0-9a-f]{64}$/);
    assert.equal(records[0]?.time, "2025-01-31T12:00:00.000Z");
    assert.deepEqual(records[0]?.details, { note: "record 1", version: 1 });
  });

  test("is durable: a new handle on the file sees the records and continues the chain", () => {
    const first = open();
    const last = first.append(entry(1));
    db.close();
    db = new DatabaseSync(join(dir, "state.db"));
    const next = open().append(entry(2));
    assert.equal(next.seq, 2);
    assert.equal(next.prevHash, last.hash);
    assert.equal(verifyAuditLog(db, { publicKey }).ok, true);
  });

  test("appendBatch writes several records in one transaction", () => {
    const log = open();
    const records = log.appendBatch([entry(1), entry(2), entry(3)]);
    assert.deepEqual(records.map((r) => r.seq), [1, 2, 3]);
    assert.equal(log.verify().ok, true);
  });

  test("a batch with one bad entry writes nothing", () => {
    const log = open();
    log.append(entry(1));
    assert.throws(() => log.appendBatch([entry(2), { ...entry(3), outcome: "maybe" as "success" }]), { code: "BWK_INVALID_ARGUMENT" });
    assert.equal(log.append(entry(2)).seq, 2);
    assert.equal(log.verify().ok, true);
  });

  test("refuses to append inside the caller's open transaction", () => {
    const log = open();
    db.exec("BEGIN");
    assert.throws(() => log.append(entry(1)), { code: "BWK_INTERNAL" });
    db.exec("ROLLBACK");
    assert.equal(log.append(entry(1)).seq, 1);
  });

  test("a failed write keeps the in-memory head on the stored chain", () => {
    const log = open();
    log.append(entry(1));
    // A second writer on the same database takes seq 2 first.
    open().append(entry(2));
    assert.throws(() => log.append(entry(3)), { code: "BWK_INTERNAL" });
    assert.equal(db.isTransaction, false);
    assert.equal(log.verify().ok, true);
  });

  test("platform code cannot UPDATE or DELETE audit rows", () => {
    const log = open();
    log.append(entry(1));
    log.checkpoint();
    for (const sql of ["UPDATE audit_records SET target = 'x'", "DELETE FROM audit_records", "UPDATE audit_checkpoints SET seq = 2", "DELETE FROM audit_checkpoints"]) {
      assert.throws(() => db.exec(sql), { code: "ERR_SQLITE_ERROR" }, sql);
    }
    assert.equal(log.query().length, 1);
    assert.equal(log.verify().ok, true);
  });

  test("migrateAudit is idempotent and keeps the log id", () => {
    const log = open();
    migrateAudit(db);
    migrateAudit(db);
    assert.equal(open().logId, log.logId);
  });

  test("refuses a signing key that is not an Ed25519 private key", () => {
    assert.throws(() => new AuditLog(db, { signingKey: publicKey }), { code: "BWK_AUDIT_KEY_INVALID" });
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey;
    assert.throws(() => new AuditLog(db, { signingKey: ec }), { code: "BWK_AUDIT_KEY_INVALID" });
  });
});

describe("AuditLog checkpoints", () => {
  const stored = (): number[] => db.prepare("SELECT seq FROM audit_checkpoints ORDER BY seq").all().map((r) => r["seq"] as number);

  test("signs one every checkpointEvery records", () => {
    const log = open({ checkpointEvery: 5 });
    for (let i = 1; i <= 12; i++) log.append(entry(i));
    assert.deepEqual(stored(), [5, 10]);
  });

  test("maybeCheckpoint signs uncovered records once the interval has passed", () => {
    const log = open({ checkpointEvery: 100, checkpointIntervalMs: 60_000 });
    log.append(entry(1));
    assert.equal(log.maybeCheckpoint(START + 59_999), null);
    assert.equal(log.maybeCheckpoint(START + 60_000)?.seq, 1);
    assert.equal(log.maybeCheckpoint(START + 999_999), null, "nothing new to cover");
  });

  test("checkpoint() at a covered head returns the stored one instead of signing again", () => {
    const log = open();
    log.append(entry(1));
    const a = log.checkpoint();
    const b = log.checkpoint();
    assert.deepEqual(b, a);
    assert.deepEqual(stored(), [1]);
  });

  test("an exported checkpoint survives JSON and verifies the log", () => {
    const log = open({ checkpointEvery: 3 });
    for (let i = 1; i <= 7; i++) log.append(entry(i));
    const exported = parseCheckpoint(JSON.parse(JSON.stringify(log.exportCheckpoint())));
    assert.equal(exported.seq, 7);
    assert.equal(exported.keyId, log.keyId);
    const result = log.verify({ trustedCheckpoint: exported, publicKey });
    assert.deepEqual(result, { ok: true, records: 7, lastSeq: 7, lastHash: exported.hash });
  });

  test("an empty log can be checkpointed and verified", () => {
    const log = open();
    const c = log.exportCheckpoint();
    assert.equal(c.seq, 0);
    assert.equal(log.verify({ trustedCheckpoint: c }).ok, true);
  });

  test("parseCheckpoint refuses a malformed checkpoint", () => {
    const good = open().exportCheckpoint();
    for (const bad of [null, [], { ...good, seq: -1 }, { ...good, hash: "x" }, { ...good, signature: `${good.signature}A` }, { ...good, time: "yesterday" }]) {
      assert.throws(() => parseCheckpoint(bad), { code: "BWK_INVALID_ARGUMENT" });
    }
  });
});

describe("AuditLog.query", () => {
  function filled(): AuditLog {
    const log = open();
    for (let i = 1; i <= 12; i++) {
      clock = START + i * 1000;
      log.append(entry(i));
    }
    return log;
  }

  test("filters by actor, action and target", () => {
    const log = filled();
    assert.deepEqual(log.query({ actor: { type: "user", id: "alice" } }).map((r) => r.seq), [2, 4, 6, 8, 10, 12]);
    assert.deepEqual(log.query({ action: "secret.read" }).map((r) => r.seq), [3, 6, 9, 12]);
    assert.deepEqual(log.query({ target: "fn-7" }).map((r) => r.seq), [7]);
    assert.deepEqual(log.query({ actor: { type: "key" }, action: "secret.read" }).map((r) => r.seq), [3, 9]);
  });

  test("filters by time: since inclusive, until exclusive", () => {
    const log = filled();
    const since = new Date(START + 3000);
    const until = new Date(START + 6000).toISOString();
    assert.deepEqual(log.query({ since, until }).map((r) => r.seq), [3, 4, 5]);
  });

  test("pages with limit and afterSeq", () => {
    const log = filled();
    const first = log.query({ limit: 5 });
    const second = log.query({ limit: 5, afterSeq: first.at(-1)?.seq ?? 0 });
    assert.deepEqual(first.map((r) => r.seq), [1, 2, 3, 4, 5]);
    assert.deepEqual(second.map((r) => r.seq), [6, 7, 8, 9, 10]);
  });

  test("attack: SQL in a filter value is only ever a value", () => {
    const log = filled();
    assert.deepEqual(log.query({ target: "x' OR '1'='1" }), []);
    assert.deepEqual(log.query({ actor: { id: "alice' --" } }), []);
  });

  for (const [name, filter] of [
    ["a limit of 0", { limit: 0 }], ["a limit over 1000", { limit: 1001 }], ["a fractional afterSeq", { afterSeq: 1.5 }],
    ["a local time without zone", { since: "2025-01-31T12:00:00" }], ["a non-date", { until: "soon" }],
    ["an unknown actor type", { actor: { type: "root" } }], ["a non-string target", { target: 5 }],
  ] as const) {
    test(`refuses ${name}`, () => {
      const log = open();
      assert.throws(() => log.query(filter as never), { code: "BWK_INVALID_ARGUMENT" });
    });
  }
});

describe("AuditLog.verify", () => {
  test("walks a large log one record at a time and reports its head", () => {
    const log = open({ checkpointEvery: 1000 });
    for (let i = 0; i < 20; i++) log.appendBatch(Array.from({ length: 1000 }, (_, j) => entry(i * 1000 + j)));
    const result = log.verify();
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.records, 20_000);
  });

  test("refuses a verification key that is not Ed25519", () => {
    const log = open();
    const ec = generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey;
    assert.throws(() => log.verify({ publicKey: ec }), { code: "BWK_INVALID_ARGUMENT" });
  });

  test("a checkpoint signed by this log's key does not verify under another trusted key", () => {
    const log = open({ checkpointEvery: 2 });
    for (let i = 1; i <= 4; i++) log.append(entry(i));
    const other = generateKeyPairSync("ed25519").publicKey;
    const result = log.verify({ publicKey: other });
    assert.equal(result.ok === false && result.problem, "bad-checkpoint-signature");
    assert.equal(result.ok === false && result.seq, 2);
  });
});

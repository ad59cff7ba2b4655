// Attacks on the audit log's database file. Each test writes a real log through AuditLog, closes
// it, edits the file with raw SQL through a separate handle (triggers dropped, as anyone holding
// the file can), reopens it and checks that verify names the tampering and the first bad seq.

import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, test } from "node:test";
import type { DatabaseSync } from "node:sqlite";
import { recordHash } from "../../../src/security/audit/record-hash.ts";
import { decodeRecord, RECORD_COLUMNS } from "../../../src/security/audit/rows.ts";
import { signCheckpoint } from "../../../src/security/audit/checkpoint.ts";
import { auditKeyId } from "../../../src/security/audit/index.ts";
import { flipChar, writeLog } from "./helpers.ts";
import type { LogFixture } from "./helpers.ts";

let log: LogFixture;
afterEach(() => log.cleanup());

const COLUMNS = ["time", "actor_type", "actor_id", "action", "target", "outcome", "request_id", "details", "prev_hash", "hash"];

function readText(db: DatabaseSync, seq: number, column: string): string {
  return db.prepare(`SELECT ${column} AS v FROM audit_records WHERE seq = ?`).get(seq)?.["v"] as string;
}

/** Recomputes the hash of every record from `from` on, as an attacker rewriting the chain would. */
function rehashFrom(db: DatabaseSync, from: number): void {
  let prevHash = db.prepare("SELECT hash FROM audit_records WHERE seq = ?").get(from - 1)?.["hash"] as string;
  for (const row of db.prepare(`SELECT ${RECORD_COLUMNS} FROM audit_records WHERE seq >= ? ORDER BY seq`).all(from)) {
    const rec = decodeRecord(row);
    assert.ok(rec);
    const hash = recordHash({ ...rec, prevHash });
    db.prepare("UPDATE audit_records SET prev_hash = ?, hash = ? WHERE seq = ?").run(prevHash, hash, rec.seq);
    prevHash = hash;
  }
}

/** Moves every record from `from` on by `by` seqs (two steps, so the primary key never collides). */
function renumber(db: DatabaseSync, from: number, by: number): void {
  db.prepare("UPDATE audit_records SET seq = -(seq + ?) WHERE seq >= ?").run(by, from);
  db.exec("UPDATE audit_records SET seq = -seq WHERE seq < 0");
}

function swap(db: DatabaseSync, a: number, b: number): void {
  db.prepare("UPDATE audit_records SET seq = -1 WHERE seq = ?").run(a);
  db.prepare("UPDATE audit_records SET seq = ? WHERE seq = ?").run(a, b);
  db.prepare("UPDATE audit_records SET seq = ? WHERE seq = -1").run(b);
}

describe("audit verify against a tampered database file", () => {
  test("an untouched log verifies", () => {
    log = writeLog(30);
    const result = log.verify();
    assert.equal(result.ok, true);
    assert.equal(result.ok && result.lastSeq, 30);
  });

  for (const column of COLUMNS) {
    test(`edit: one changed character in ${column} of record 7 is named as edited at 7`, () => {
      log = writeLog(30);
      log.tamper((db) => {
        const value = readText(db, 7, column);
        db.prepare(`UPDATE audit_records SET ${column} = ? WHERE seq = 7`).run(flipChar(value, value.length - 2));
      });
      assert.deepEqual(pick(log.verify()), { ok: false, problem: "edited", seq: 7 });
    });
  }

  test("edit: one byte inside the details JSON (still valid JSON) is named", () => {
    log = writeLog(30);
    log.tamper((db) => {
      const details = readText(db, 12, "details");
      db.prepare("UPDATE audit_records SET details = ? WHERE seq = 12").run(details.replace('"version":12', '"version":13'));
    });
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "edited", seq: 12 });
  });

  test("edit: details JSON broken by one byte is named, not thrown on", () => {
    log = writeLog(30);
    log.tamper((db) => db.exec("UPDATE audit_records SET details = substr(details, 2) WHERE seq = 12"));
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "edited", seq: 12 });
  });

  test("edit: a record rewritten with its hash recomputed is caught by the next record's link", () => {
    log = writeLog(30);
    log.tamper((db) => {
      db.exec("UPDATE audit_records SET outcome = 'denied' WHERE seq = 12");
      const rec = decodeRecord(db.prepare(`SELECT ${RECORD_COLUMNS} FROM audit_records WHERE seq = 12`).get() ?? {});
      assert.ok(rec);
      db.prepare("UPDATE audit_records SET hash = ? WHERE seq = 12").run(recordHash(rec));
    });
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "edited", seq: 12 });
  });

  test("edit: a column changed to another type is named as edited", () => {
    log = writeLog(30);
    log.tamper((db) => {
      // STRICT refuses this through the table; an attacker recreates it without STRICT.
      db.exec(`CREATE TABLE t AS SELECT * FROM audit_records; DROP TABLE audit_records; ALTER TABLE t RENAME TO audit_records;
               UPDATE audit_records SET target = 12 WHERE seq = 12;`);
    });
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "edited", seq: 12 });
  });

  test("edit: the log id in audit_meta is named as edited at 1", () => {
    log = writeLog(30);
    log.tamper((db) => db.exec("UPDATE audit_meta SET value = 'another-log' WHERE key = 'log_id'"));
    assert.equal(pick(log.verify()).ok, false);
    assert.equal(pick(log.verify()).seq, 1);
  });

  test("delete: a record removed from the middle is named at its seq", () => {
    log = writeLog(30);
    log.tamper((db) => db.exec("DELETE FROM audit_records WHERE seq = 12"));
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "deleted", seq: 12 });
  });

  test("delete: the first record removed is named at 1", () => {
    log = writeLog(30);
    log.tamper((db) => db.exec("DELETE FROM audit_records WHERE seq = 1"));
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "deleted", seq: 1 });
  });

  test("delete: records removed and the rest renumbered to hide the gap is still named as deleted", () => {
    log = writeLog(30);
    log.tamper((db) => {
      db.exec("DELETE FROM audit_records WHERE seq IN (12, 13)");
      renumber(db, 14, -2);
    });
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "deleted", seq: 12 });
  });

  test("insert: a forged record with a valid hash slipped in and the rest renumbered is named", () => {
    log = writeLog(30);
    log.tamper((db) => {
      renumber(db, 12, 1);
      const prevHash = readText(db, 11, "hash");
      const forged = {
        seq: 12, time: readText(db, 11, "time"), actorType: "user", actorId: "mallory", action: "secret.read",
        target: "PSP_API_KEY", outcome: "success", requestId: null, detailsJson: "{}", prevHash,
      };
      db.prepare(`INSERT INTO audit_records (${RECORD_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        forged.seq, forged.time, forged.actorType, forged.actorId, forged.action, forged.target, forged.outcome,
        forged.requestId, forged.detailsJson, forged.prevHash, recordHash(forged),
      );
    });
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "inserted", seq: 12 });
  });

  test("insert: a record with a made-up hash slipped in is named as inserted", () => {
    log = writeLog(30);
    log.tamper((db) => {
      renumber(db, 12, 1);
      db.prepare(`INSERT INTO audit_records (${RECORD_COLUMNS}) VALUES (12, ?, 'user', 'mallory', 'deploy', 'x', 'success', NULL, '{}', ?, ?)`)
        .run(readText(db, 11, "time"), readText(db, 11, "hash"), "f".repeat(64));
    });
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "inserted", seq: 12 });
  });

  test("insert: a row with seq 0 before the first record is named", () => {
    log = writeLog(30);
    log.tamper((db) =>
      db.exec(`INSERT INTO audit_records (${RECORD_COLUMNS}) SELECT 0, time, actor_type, actor_id, action, target, outcome, request_id, details, prev_hash, hash FROM audit_records WHERE seq = 1`),
    );
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "inserted", seq: 0 });
  });

  test("reorder: two neighbouring records swapped are named at the first", () => {
    log = writeLog(30);
    log.tamper((db) => swap(db, 12, 13));
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "reordered", seq: 12 });
  });

  test("reorder: two distant records swapped are named at the first", () => {
    log = writeLog(30);
    log.tamper((db) => swap(db, 5, 25));
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "reordered", seq: 5 });
  });

  test("truncate: a tail cut before the newest stored checkpoint is named", () => {
    log = writeLog(30);
    log.tamper((db) => db.exec("DELETE FROM audit_records WHERE seq >= 25"));
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "truncated", seq: 25 });
  });

  test("truncate: a tail cut with its checkpoints passes alone but not against an exported checkpoint", () => {
    log = writeLog(30);
    const exported = exportedCheckpoint(log);
    log.tamper((db) => {
      db.exec("DELETE FROM audit_records WHERE seq >= 25");
      db.exec("DELETE FROM audit_checkpoints WHERE seq >= 25");
    });
    // Documented limit: nothing stored in the file says the log was longer.
    assert.equal(log.verify().ok, true);
    assert.deepEqual(pick(log.verify(exported)), { ok: false, problem: "truncated", seq: 25 });
  });

  test("truncate: every record and checkpoint deleted is named against an exported checkpoint", () => {
    log = writeLog(30);
    const exported = exportedCheckpoint(log);
    log.tamper((db) => db.exec("DELETE FROM audit_records; DELETE FROM audit_checkpoints;"));
    assert.deepEqual(pick(log.verify(exported)), { ok: false, problem: "truncated", seq: 1 });
  });

  test("truncate: dropped audit tables are named, not taken for an empty log", () => {
    log = writeLog(30);
    log.tamper((db) => db.exec("DROP TABLE audit_records"));
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "truncated", seq: 1 });
  });

  test("checkpoints deleted: the whole chain rewritten and rehashed without the key is named", () => {
    log = writeLog(30);
    log.tamper((db) => {
      db.exec("DELETE FROM audit_checkpoints");
      db.exec("UPDATE audit_records SET actor_id = 'someone-else' WHERE seq = 3");
      rehashFrom(db, 3);
    });
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "checkpoints-deleted", seq: 1 });
  });

  test("checkpoints deleted: the newest ones gone with the records they covered rewritten is named", () => {
    log = writeLog(30);
    log.tamper((db) => {
      db.exec("DELETE FROM audit_checkpoints WHERE seq > 10");
      db.exec("UPDATE audit_records SET outcome = 'failure' WHERE seq = 15");
      rehashFrom(db, 15);
    });
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "checkpoints-deleted", seq: 11 });
  });

  test("checkpoints deleted: not said of an untouched log whose newest records await their checkpoint", () => {
    log = writeLog(29);
    assert.deepEqual(pick(log.verify()), { ok: true });
  });

  test("forged checkpoint: signed by another key under the real key id", () => {
    log = writeLog(30);
    const other = generateKeyPairSync("ed25519").privateKey;
    log.tamper((db) => {
      db.exec("DELETE FROM audit_records WHERE seq > 25; DELETE FROM audit_checkpoints WHERE seq = 30");
      const forged = signCheckpoint(
        { seq: 25, hash: readText(db, 25, "hash"), time: readText(db, 25, "time"), logId: logIdOf(db), keyId: log.key.keyId },
        other,
      );
      insertCheckpoint(db, forged);
    });
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "bad-checkpoint-signature", seq: 25 });
  });

  test("forged checkpoint: signed by another key under its own key id", () => {
    log = writeLog(30);
    const other = generateKeyPairSync("ed25519");
    log.tamper((db) => {
      const fields = { seq: 15, hash: readText(db, 15, "hash"), time: readText(db, 15, "time"), logId: logIdOf(db) };
      insertCheckpoint(db, signCheckpoint({ ...fields, keyId: auditKeyId(other.publicKey) }, other.privateKey));
    });
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "bad-checkpoint-signature", seq: 15 });
  });

  test("forged checkpoint: a stored checkpoint's hash edited breaks its signature", () => {
    log = writeLog(30);
    log.tamper((db) => db.prepare("UPDATE audit_checkpoints SET hash = ? WHERE seq = 20").run(readText(db, 19, "hash")));
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "bad-checkpoint-signature", seq: 20 });
  });

  test("forged checkpoint: a trusted checkpoint signed by another key is refused", () => {
    log = writeLog(30);
    const other = generateKeyPairSync("ed25519").privateKey;
    const exported = exportedCheckpoint(log);
    const { signature: _, ...fields } = exported;
    const result = pick(log.verify(signCheckpoint(fields, other)));
    assert.deepEqual(result, { ok: false, problem: "bad-checkpoint-signature", seq: 30 });
  });

  test("checkpoint mismatch: the chain rewritten from record 12 with every hash recomputed", () => {
    log = writeLog(30);
    log.tamper((db) => {
      db.exec("UPDATE audit_records SET outcome = 'failure' WHERE seq = 12");
      rehashFrom(db, 12);
    });
    // The chain itself is consistent again; the genuine checkpoint at 20 no longer matches it.
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "checkpoint-mismatch", seq: 20 });
  });

  test("checkpoint mismatch: the last record rewritten and re-hashed is caught by the checkpoint at the head", () => {
    log = writeLog(30);
    log.tamper((db) => {
      db.exec("UPDATE audit_records SET target = 'elsewhere' WHERE seq = 30");
      rehashFrom(db, 30);
    });
    assert.deepEqual(pick(log.verify()), { ok: false, problem: "checkpoint-mismatch", seq: 30 });
  });

  test("checkpoint mismatch: a genuine checkpoint of another log, same key, copied in", () => {
    log = writeLog(30);
    const other = writeLog(5, 5);
    try {
      const foreign = exportedCheckpoint(other);
      // Both fixtures have their own key dir; sign the foreign checkpoint with this log's key.
      const { signature: _, ...fields } = foreign;
      const copied = signCheckpoint({ ...fields, keyId: log.key.keyId }, log.key.privateKey);
      log.tamper((db) => insertCheckpoint(db, copied));
      assert.deepEqual(pick(log.verify()), { ok: false, problem: "checkpoint-mismatch", seq: 5 });
    } finally {
      other.cleanup();
    }
  });
});

function pick(result: ReturnType<LogFixture["verify"]>): { ok: boolean; problem?: string; seq?: number } {
  return result.ok ? { ok: true } : { ok: false, problem: result.problem, seq: result.seq };
}

function logIdOf(db: DatabaseSync): string {
  return db.prepare("SELECT value FROM audit_meta WHERE key = 'log_id'").get()?.["value"] as string;
}

function insertCheckpoint(db: DatabaseSync, c: ReturnType<typeof signCheckpoint>): void {
  db.prepare("INSERT INTO audit_checkpoints (seq, hash, time, log_id, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)")
    .run(c.seq, c.hash, c.time, c.logId, c.keyId, c.signature);
}

/** The checkpoint the platform would have exported to somewhere outside the database. */
function exportedCheckpoint(fixture: LogFixture): ReturnType<typeof signCheckpoint> {
  return fixture.exportHead();
}

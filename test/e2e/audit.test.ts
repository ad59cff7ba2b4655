// The audit trail end to end: a real platform writes it, `bulwark audit` reads, exports and
// verifies it, and the tamper cases change the real audit.db file (a byte, a deleted record, two
// swapped records, a cut-off tail, a forged checkpoint) and run the real CLI against it.
import assert from "node:assert/strict";
import { generateKeyPairSync, sign } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { canonicalJson, type AuditRecord, type Checkpoint } from "../../src/security/audit/index.ts";
import { cli, manifest, up, writeApp, type CliResult, type RunningPlatform } from "./harness.ts";

const TAMPERED = 3;
let p: RunningPlatform;
let work: string;
let checkpointFile: string;
let checkpoint: Checkpoint;

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}${r.stdout}`);
  return r;
}

/** A copy of the stopped platform's audit log and keys, to tamper with. */
function copyOfAuditDir(): string {
  const dir = mkdtempSync(join(work, "case-"));
  cpSync(join(p.dataDir, "audit.db"), join(dir, "audit.db"));
  cpSync(join(p.dataDir, "keys"), join(dir, "keys"), { recursive: true });
  return dir;
}

/** Raw SQL on the file, as someone holding it would: the append-only triggers dropped first. */
function tamper(dir: string, work: (db: DatabaseSync) => void): void {
  const db = new DatabaseSync(join(dir, "audit.db"));
  for (const t of ["records", "checkpoints"]) {
    db.exec(`DROP TRIGGER IF EXISTS audit_${t}_append_only_update; DROP TRIGGER IF EXISTS audit_${t}_append_only_delete;`);
  }
  work(db);
  db.close();
}

function verify(dir: string, ...extra: string[]): CliResult {
  return cli(["audit", "verify", "--data-dir", dir, ...extra]);
}

function assertTampered(r: CliResult, problem: string, seq: number): void {
  assert.equal(r.code, TAMPERED, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, new RegExp(`^TAMPERED: ${problem} at seq ${seq}:`, "m"));
}

function records(dir: string): AuditRecord[] {
  const db = new DatabaseSync(join(dir, "audit.db"), { readOnly: true });
  try {
    return db.prepare("SELECT seq, request_id AS requestId FROM audit_records ORDER BY seq").all() as unknown as AuditRecord[];
  } finally {
    db.close();
  }
}

before(async () => {
  work = mkdtempSync(join(tmpdir(), "bulwark-audit-e2e-"));
  checkpointFile = join(work, "checkpoint.json");
  const app = writeApp({ "bulwark.yaml": manifest("audited", { hello: { handler: "h.js" } }), "h.js": "export async function handler() { return 'hi'; }\n" });
  p = await up(app);
});

after(async () => {
  await p.stop();
  rmSync(work, { recursive: true, force: true });
});

describe("bulwark audit against a running platform", () => {
  it("records the deploy `up` made, as the local operator", () => {
    const [deploy] = JSON.parse(ok(p.cli(["audit", "query", "--action", "deploy.prod", "--json"])).stdout) as AuditRecord[];

    assert.equal(deploy?.outcome, "success");
    assert.match(deploy?.actor.id ?? "", /^local:/);
    assert.equal(deploy?.details["via"], "bulwark up");
  });

  it("queries by action, and the query itself is audited as audit.read", () => {
    ok(p.cli(["ls"]));
    ok(p.cli(["ls"]));

    const listed = JSON.parse(ok(p.cli(["audit", "query", "--action", "functions.list", "--json"])).stdout) as AuditRecord[];
    const reads = JSON.parse(ok(p.cli(["audit", "query", "--action", "audit.read", "--json"])).stdout) as AuditRecord[];

    assert.ok(listed.length >= 2);
    assert.ok(listed.every((r) => r.action === "functions.list"));
    assert.ok(reads.some((r) => r.target === "audit" && r.outcome === "success"), "the first query left an audit.read record");
  });

  it("filters by time and prints a table", () => {
    const future = ok(p.cli(["audit", "query", "--since", "2999-01-01"])).stdout;
    const all = ok(p.cli(["audit", "query", "--since", "2000-01-01", "--limit", "5"])).stdout;

    assert.match(future, /no audit records match/);
    assert.match(all, /^SEQ\s+TIME\s+OUTCOME/m);
  });

  it("refuses a malformed filter as a usage error in one line, not a crash", () => {
    const r = p.cli(["audit", "query", "--since", "yesterday"]);

    assert.equal(r.code, 2);
    assert.match(r.stderr, /since/);
    assert.equal(r.stderr.trim().split("\n").length, 1);
  });

  it("verifies through the running platform", () => {
    assert.match(ok(p.cli(["audit", "verify"])).stdout, /^OK: \d+ records verified through the platform, head seq \d+ hash [0-9a-f]{64}$/m);
  });

  it("exports a signed checkpoint of the head to a file", () => {
    assert.match(ok(p.cli(["audit", "export", "--out", checkpointFile])).stdout, /checkpoint at seq \d+ written/);
    checkpoint = JSON.parse(readFileSync(checkpointFile, "utf8")) as Checkpoint;

    assert.ok(checkpoint.seq > 3);
    assert.match(checkpoint.signature, /^[A-Za-z0-9_-]{86}$/);
  });

  it("keeps appending after the export, then stops cleanly", async () => {
    for (let i = 0; i < 3; i++) ok(p.cli(["ls"]));
    await p.halt();
  });
});

describe("bulwark audit verify on the data dir of a stopped platform", () => {
  it("reports OK, also against the exported checkpoint", () => {
    assert.match(ok(verify(p.dataDir)).stdout, /^OK: \d+ records verified in /m);
    assert.match(ok(verify(p.dataDir, "--from-checkpoint", checkpointFile)).stdout, /matches checkpoint at seq \d+/);
  });

  it("tamper: one byte of a record changed in the file is named as edited at that seq", () => {
    const dir = copyOfAuditDir();
    const victim = records(dir)[4]!;
    const file = join(dir, "audit.db");
    const bytes = readFileSync(file);
    const id = Buffer.from(victim.requestId!);
    // The id can also linger in the unused space of a page SQLite reorganised (a split copies the
    // cells out and leaves the old bytes): change its first digit wherever it is, the row among them.
    let found = 0;
    for (let at = bytes.indexOf(id); at !== -1; at = bytes.indexOf(id, at + 1), found++) {
      bytes[at] = bytes[at] === 0x61 ? 0x62 : 0x61; // one hex digit of the uuid: still valid text
    }
    assert.ok(found > 0, "the record's request id is in the file");
    writeFileSync(file, bytes);

    assertTampered(verify(dir), "edited", victim.seq);
  });

  it("tamper: a deleted record is named as deleted at its seq", () => {
    const dir = copyOfAuditDir();
    tamper(dir, (db) => db.exec("DELETE FROM audit_records WHERE seq = 3"));

    assertTampered(verify(dir), "deleted", 3);
  });

  it("tamper: two swapped records are named as reordered at the first", () => {
    const dir = copyOfAuditDir();
    tamper(dir, (db) => {
      db.exec("UPDATE audit_records SET seq = -1 WHERE seq = 2");
      db.exec("UPDATE audit_records SET seq = 2 WHERE seq = 4");
      db.exec("UPDATE audit_records SET seq = 4 WHERE seq = -1");
    });

    assertTampered(verify(dir), "reordered", 2);
  });

  it("tamper: a tail cut off with its checkpoints looks whole alone, and is named as truncated against the exported checkpoint", () => {
    const dir = copyOfAuditDir();
    const keep = checkpoint.seq - 2;
    tamper(dir, (db) => {
      db.prepare("DELETE FROM audit_records WHERE seq > ?").run(keep);
      db.prepare("DELETE FROM audit_checkpoints WHERE seq > ?").run(keep);
    });

    assert.match(ok(verify(dir)).stdout, /^OK: /m);
    assertTampered(verify(dir, "--from-checkpoint", checkpointFile), "truncated", keep + 1);
  });

  it("tamper: a forged checkpoint file (another hash, the old signature) is refused", () => {
    const forged = join(work, "forged.json");
    writeFileSync(forged, JSON.stringify({ ...checkpoint, hash: "0".repeat(64) }));

    assertTampered(verify(p.dataDir, "--from-checkpoint", forged), "bad-checkpoint-signature", checkpoint.seq);
  });

  it("tamper: a checkpoint forged into the database with another key is refused", () => {
    const dir = copyOfAuditDir();
    const mallory = generateKeyPairSync("ed25519").privateKey;
    tamper(dir, (db) => {
      const head = db.prepare("SELECT seq, hash FROM audit_records ORDER BY seq DESC LIMIT 1").get()!;
      const logId = String(db.prepare("SELECT value FROM audit_meta WHERE key = 'log_id'").get()!["value"]);
      const fields = { hash: String(head["hash"]), keyId: checkpoint.keyId, logId, seq: Number(head["seq"]) + 1, time: new Date().toISOString() };
      const signature = sign(null, Buffer.from(canonicalJson({ ...fields, type: "bulwark.audit.checkpoint.v1" })), mallory).toString("base64url");
      db.prepare("INSERT INTO audit_checkpoints (seq, hash, time, log_id, key_id, signature) VALUES (?, ?, ?, ?, ?, ?)")
        .run(fields.seq, fields.hash, fields.time, logId, fields.keyId, signature);
    });

    const r = verify(dir);
    assert.equal(r.code, TAMPERED);
    assert.match(r.stdout, /^TAMPERED: bad-checkpoint-signature at seq \d+/m);
  });

  it("checks against an auditor's own copy of the public key, and refuses a key that did not sign", () => {
    const otherKey = join(work, "other.pub.pem");
    writeFileSync(otherKey, generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }));

    assert.match(ok(verify(p.dataDir, "--public-key", join(p.dataDir, "keys", "audit-signing-key.pub.pem"))).stdout, /^OK: /m);
    const r = verify(p.dataDir, "--public-key", otherKey);
    assert.equal(r.code, TAMPERED);
    assert.match(r.stdout, /^TAMPERED: bad-checkpoint-signature at seq \d+: .*not the trusted key/m);
  });

  it("through a restarted platform, a tampered log fails verify and is recorded as a critical audit.tampered event", async () => {
    tamper(p.dataDir, (db) => db.exec("UPDATE audit_records SET outcome = 'denied' WHERE seq = 2"));
    p = await up(p.appDir, [], { dataDir: p.dataDir });

    const r = p.cli(["audit", "verify"]);
    await p.halt();

    assertTampered(r, "edited", 2);
    const db = new DatabaseSync(join(p.dataDir, "bulwark.db"), { readOnly: true });
    const events = db.prepare("SELECT severity, body FROM security_events WHERE type = 'audit.tampered'").all();
    db.close();
    assert.equal(events.length, 1);
    assert.equal(events[0]!["severity"], "critical");
    assert.equal(JSON.parse(String(events[0]!["body"])).details.seq, 2);
  });
});

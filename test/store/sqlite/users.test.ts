import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DatabaseSync } from "node:sqlite";
import { openEnvelope, rewrap, sealEnvelope } from "../../../src/broker/crypto/envelope.ts";
import { MasterKey } from "../../../src/broker/crypto/master-key.ts";
import { masterKeyTotpSealer } from "../../../src/control/auth/totp-sealing.ts";
import { SqliteUserStore } from "../../../src/store/sqlite/users.ts";
import { SqliteSessionStore } from "../../../src/store/sqlite/users-sessions.ts";
import { SqliteCiTokenStore } from "../../../src/store/sqlite/users-tokens.ts";
import { rewrapAll, sampleWrappedKeys } from "../../../src/store/sqlite/wrapped-keys.ts";

function setup() {
  const db = new DatabaseSync(":memory:");
  db.exec("PRAGMA foreign_keys = ON");
  let master = MasterKey.generate();
  const sealer = masterKeyTotpSealer(() => ({
    seal: (plaintext, context) => sealEnvelope(master, plaintext, context),
    open: (sealed, context) => openEnvelope(master, sealed, context),
  }));
  const users = new SqliteUserStore(db, sealer);
  users.create({ name: "alice", passwordHash: "scrypt$x", roles: ["operator"], createdBy: "test", now: 1 });
  return {
    db,
    users,
    master: () => master,
    setMaster: (next: MasterKey) => {
      master = next;
    },
  };
}

const SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

describe("SqliteUserStore", () => {
  it("moves a pending TOTP secret to active only once, with its recovery codes", () => {
    const { users } = setup();
    assert.equal(users.confirmTotp("alice", 5, ["h1"]), false);
    users.setPendingTotp("alice", SECRET);
    assert.deepEqual(users.totp("alice"), { secret: null, pending: SECRET, lastStep: null });
    assert.equal(users.confirmTotp("alice", 5, ["h1", "h2"]), true);
    assert.deepEqual(users.totp("alice"), { secret: SECRET, pending: null, lastStep: 5 });
    assert.equal(users.get("alice")?.mfaEnrolled, true);
    assert.equal(users.unusedRecoveryCodes("alice"), 2);
  });

  it("accepts each TOTP step once and never an earlier one", () => {
    const { users } = setup();
    assert.equal(users.useTotpStep("alice", 10), false, "no authenticator yet");
    users.setPendingTotp("alice", SECRET);
    users.confirmTotp("alice", 10, []);
    assert.equal(users.useTotpStep("alice", 10), false);
    assert.equal(users.useTotpStep("alice", 9), false);
    assert.equal(users.useTotpStep("alice", 11), true);
    assert.equal(users.useTotpStep("alice", 11), false);
  });

  it("spends a recovery code once and forgets all of them with the authenticator", () => {
    const { users } = setup();
    users.setPendingTotp("alice", SECRET);
    users.confirmTotp("alice", 1, ["h1", "h2"]);
    assert.equal(users.useRecoveryCode("alice", "h1", 2), true);
    assert.equal(users.useRecoveryCode("alice", "h1", 3), false);
    assert.equal(users.useRecoveryCode("alice", "nope", 3), false);
    users.clearTotp("alice");
    assert.equal(users.useRecoveryCode("alice", "h2", 4), false);
    assert.deepEqual(users.totp("alice"), { secret: null, pending: null, lastStep: null });
  });

  it("keeps TOTP secrets readable across a master key rotation (keys rotate-master rewraps user_totp)", () => {
    const s = setup();
    s.users.setPendingTotp("alice", SECRET);
    s.users.confirmTotp("alice", 1, []);
    const old = s.master();
    const next = MasterKey.generate();
    assert.equal(sampleWrappedKeys(s.db).length, 1);
    assert.equal(rewrapAll(s.db, (wrapped) => rewrap(wrapped, old, next)), 1);
    s.setMaster(next);
    assert.equal(s.users.totp("alice")?.secret, SECRET);
  });
});

describe("SqliteSessionStore and SqliteCiTokenStore", () => {
  it("revokes, marks and prunes sessions", () => {
    const { db } = setup();
    const sessions = new SqliteSessionStore(db);
    sessions.create({ id: "s1", tokenHash: "t1", user: "alice", now: 0, expiresAt: 100, mfaAt: null });
    sessions.create({ id: "s2", tokenHash: "t2", user: "alice", now: 0, expiresAt: 1000, mfaAt: null });
    sessions.markMfa("s2", 50);
    assert.equal(sessions.byTokenHash("t2")?.mfaAt, 50);
    assert.equal(sessions.revokeAllOf("alice", 60), 2);
    sessions.markMfa("s2", 70);
    assert.equal(sessions.byTokenHash("t2")?.mfaAt, 50, "a revoked session cannot be marked");
    sessions.prune(200);
    assert.equal(sessions.byTokenHash("t1"), undefined);
    assert.equal(sessions.byTokenHash("t2"), undefined);
  });

  it("revokes a CI token once", () => {
    const { db } = setup();
    const tokens = new SqliteCiTokenStore(db);
    tokens.create({ id: "ci_1", tokenHash: "h", name: "n", role: "operator", stage: "prod", createdBy: "u", createdAt: 0, expiresAt: 10 });
    assert.equal(tokens.revoke("ci_1", 5, "revoked by user:admin"), true);
    assert.equal(tokens.revoke("ci_1", 6, "again"), false);
    assert.deepEqual([tokens.byTokenHash("h")?.revokedAt, tokens.byTokenHash("h")?.revokedReason], [5, "revoked by user:admin"]);
  });

  it("revokes every token one creator made that is still unrevoked, and only those", () => {
    const { db } = setup();
    const tokens = new SqliteCiTokenStore(db);
    const token = (id: string, createdBy: string) => tokens.create({ id, tokenHash: `h-${id}`, name: id, role: "operator", stage: "prod", createdBy, createdAt: 0, expiresAt: 10 });
    token("ci_a", "user:ada");
    token("ci_b", "user:ada");
    token("ci_c", "user:bob");
    tokens.revoke("ci_b", 1, "revoked by user:bob");
    assert.deepEqual(tokens.revokeCreatedBy("user:ada", 2, "its creator ada was disabled"), ["ci_a"]);
    assert.deepEqual(tokens.list().map((t) => [t.id, t.revokedAt, t.revokedReason]), [
      ["ci_a", 2, "its creator ada was disabled"],
      ["ci_b", 1, "revoked by user:bob"],
      ["ci_c", null, null],
    ]);
  });

  it("adds the revocation reason to a ci_tokens table from before it existed", () => {
    const { db } = setup();
    db.exec("CREATE TABLE ci_tokens (id TEXT PRIMARY KEY, token_hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL, role TEXT NOT NULL, stage TEXT NOT NULL, created_by TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, revoked_at INTEGER)");
    db.exec("INSERT INTO ci_tokens VALUES ('ci_old', 'h', 'n', 'operator', 'prod', 'user:ada', 0, 10, 3)");
    assert.deepEqual(new SqliteCiTokenStore(db).list().map((t) => [t.revokedAt, t.revokedReason]), [[3, null]]);
  });
});

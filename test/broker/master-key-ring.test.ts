// The master key the platform runs with: created once with a backup warning, refused when its
// file is open to others or when it is not the key that wrapped the stored data, rotated by
// rewrapping data keys only, and a rotation interrupted after its commit is finished at start.
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { DEFAULT_LIMITS } from "../../src/broker/limits.ts";
import { MASTER_KEY_FILE, MasterKeyRing } from "../../src/broker/master-key-ring.ts";
import { Sealer } from "../../src/broker/sealing.ts";
import { SecretService } from "../../src/broker/secrets.ts";
import { KvService } from "../../src/broker/kv.ts";
import { openDatabase } from "../../src/store/sqlite/open.ts";
import { SqliteKvStore } from "../../src/store/sqlite/kv.ts";
import { SqliteSecretStore } from "../../src/store/sqlite/secrets.ts";

const root = mkdtempSync(join(tmpdir(), "bulwark-master-test-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function platformDir() {
  const dir = join(root, `p${++n}`);
  const db = openDatabase(join(root, `p${n}.db`));
  const secretStore = new SqliteSecretStore(db);
  const kvStore = new SqliteKvStore(db);
  const warnings: string[] = [];
  const ring = await MasterKeyRing.open(dir, {}, db, (line) => warnings.push(line));
  const services = (r: MasterKeyRing) => ({
    secrets: new SecretService(secretStore, new Sealer(r), () => "shop", DEFAULT_LIMITS),
    kv: new KvService(kvStore, new Sealer(r), () => "shop", DEFAULT_LIMITS),
  });
  return { dir, db, ring, warnings, services };
}

describe("MasterKeyRing", () => {
  it("creates keys/master.key with mode 0600 on first start and warns once to back it up", async () => {
    const { dir, warnings } = await platformDir();
    assert.equal(statSync(join(dir, MASTER_KEY_FILE)).mode & 0o777, 0o600);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /back it up/);
    assert.doesNotMatch(warnings[0]!, /\n/);
  });

  it("loads the same key at the next start without a warning", async () => {
    const { dir, db, ring } = await platformDir();
    const warnings: string[] = [];
    const again = await MasterKeyRing.open(dir, {}, db, (line) => warnings.push(line));
    assert.equal(again.current.id, ring.current.id);
    assert.deepEqual(warnings, []);
  });

  it("refuses a key file readable by group or others (0644)", async () => {
    const { dir, db } = await platformDir();
    chmodSync(join(dir, MASTER_KEY_FILE), 0o644);
    await assert.rejects(MasterKeyRing.open(dir, {}, db, () => {}), { code: "BWK_INVALID_ARGUMENT" });
    const file = join(root, `loose-${n}.key`);
    writeFileSync(file, `${Buffer.alloc(32, 7).toString("base64")}\n`, { mode: 0o644 });
    chmodSync(file, 0o644);
    await assert.rejects(MasterKeyRing.open(dir, { file }, db, () => {}), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("refuses to start with a key that did not wrap the stored data", async () => {
    const { dir, db, ring, services } = await platformDir();
    services(ring).secrets.set("API_KEY", "value-1");
    const other = Buffer.alloc(32, 9).toString("base64");
    await assert.rejects(MasterKeyRing.open(dir, { env: other }, db, () => {}), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("refuses to create a new key over existing encrypted data when the key file is gone", async () => {
    const { dir, db, ring, services } = await platformDir();
    services(ring).secrets.set("API_KEY", "value-1");
    rmSync(join(dir, MASTER_KEY_FILE));
    await assert.rejects(MasterKeyRing.open(dir, {}, db, () => {}), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("rotates: every data key is rewrapped, the ciphertexts are untouched, the data still reads", async () => {
    const { dir, db, ring, services } = await platformDir();
    const { secrets, kv } = services(ring);
    secrets.set("API_KEY", "value-1");
    kv.put("ledger", "k", "v");
    const before = db.prepare("SELECT ciphertext FROM secrets UNION ALL SELECT ciphertext FROM kv").all();
    const oldKey = readFileSync(join(dir, MASTER_KEY_FILE), "utf8");
    const result = await ring.rotate(db);
    assert.equal(result.rewrapped, 2);
    assert.notEqual(result.newKeyId, result.oldKeyId);
    assert.notEqual(readFileSync(join(dir, MASTER_KEY_FILE), "utf8"), oldKey);
    assert.deepEqual(db.prepare("SELECT ciphertext FROM secrets UNION ALL SELECT ciphertext FROM kv").all(), before);
    assert.equal(secrets.read("API_KEY").value, "value-1");
    assert.equal(kv.get("ledger", "k"), "v");
    const reopened = await MasterKeyRing.open(dir, {}, db, () => {});
    assert.equal(reopened.current.id, result.newKeyId);
    // The old key no longer opens the data.
    await assert.rejects(MasterKeyRing.open(dir, { env: oldKey.trim() }, db, () => {}), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("finishes a rotation that committed but crashed before replacing the key file", async () => {
    const { dir, db, ring, services } = await platformDir();
    services(ring).secrets.set("API_KEY", "value-1");
    const oldKey = join(root, `old-${n}.key`);
    copyFileSync(join(dir, MASTER_KEY_FILE), oldKey);
    await ring.rotate(db);
    // Simulate the crash: the new key is still at .next, the old one at master.key.
    copyFileSync(join(dir, MASTER_KEY_FILE), join(dir, "master.key.next"));
    copyFileSync(oldKey, join(dir, MASTER_KEY_FILE));
    const recovered = await MasterKeyRing.open(dir, {}, db, () => {});
    assert.equal(existsSync(join(dir, "master.key.next")), false);
    assert.equal(services(recovered).secrets.read("API_KEY").value, "value-1");
  });

  it("with an operator-supplied key, writes the new key to its own file and leaves the source alone", async () => {
    const dir = join(root, `ext-${++n}`);
    const db = openDatabase(join(root, `ext-${n}.db`));
    const secretStore = new SqliteSecretStore(db);
    const supplied = Buffer.alloc(32, 3).toString("base64");
    const ring = await MasterKeyRing.open(dir, { env: supplied }, db, () => {});
    new SecretService(secretStore, new Sealer(ring), () => "shop", DEFAULT_LIMITS).set("A", "value-a");
    const result = await ring.rotate(db);
    assert.ok(result.newKeyFile !== undefined && existsSync(result.newKeyFile));
    assert.equal(statSync(result.newKeyFile).mode & 0o777, 0o600);
    const next = await MasterKeyRing.open(dir, { file: result.newKeyFile }, db, () => {});
    assert.equal(new SecretService(secretStore, new Sealer(next), () => "shop", DEFAULT_LIMITS).read("A").value, "value-a");
  });
});

// The master key the platform runs with: created once with a backup warning, refused when its
// file is open to others or when it is not the key that wrapped the stored data, rotated by
// rewrapping data keys only (in every stage's database), and a rotation interrupted after a commit
// is finished at start.
import assert from "node:assert/strict";
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { rewrap } from "../../src/broker/crypto/envelope.ts";
import { createMasterKeyFile, loadMasterKey } from "../../src/broker/crypto/master-key-file.ts";
import { DEFAULT_LIMITS } from "../../src/broker/limits.ts";
import { MASTER_KEY_FILE, MasterKeyRing } from "../../src/broker/master-key-ring.ts";
import { Sealer } from "../../src/broker/sealing.ts";
import { SecretService } from "../../src/broker/secrets.ts";
import { KvService } from "../../src/broker/kv.ts";
import { openDatabase } from "../../src/store/sqlite/open.ts";
import { SqliteKvStore } from "../../src/store/sqlite/kv.ts";
import { SqliteSecretStore } from "../../src/store/sqlite/secrets.ts";
import { rewrapAll } from "../../src/store/sqlite/wrapped-keys.ts";
import { masterKeySiemTokenSealer } from "../../src/control/siem-token-sealing.ts";
import { OutboxStore } from "../../src/security/siem/store.ts";

const root = mkdtempSync(join(tmpdir(), "bulwark-master-test-"));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

async function platformDir() {
  const dir = join(root, `p${++n}`);
  const db = openDatabase(join(root, `p${n}.db`));
  const secretStore = new SqliteSecretStore(db);
  const kvStore = new SqliteKvStore(db);
  const warnings: string[] = [];
  const ring = await MasterKeyRing.open(dir, {}, [db], (line) => warnings.push(line));
  const services = (r: MasterKeyRing) => ({
    secrets: new SecretService(secretStore, new Sealer(r), () => "shop", DEFAULT_LIMITS),
    kv: new KvService(kvStore, new Sealer(r), () => "shop", DEFAULT_LIMITS),
  });
  return { dir, db, ring, warnings, services };
}

/** A second stage's database (the dev stage) under the same ring. */
function stageDb(ring: MasterKeyRing) {
  const db = openDatabase(join(root, `stage-${++n}.db`));
  const store = new SqliteSecretStore(db);
  return { db, secrets: (r: MasterKeyRing = ring) => new SecretService(store, new Sealer(r), () => "shop", DEFAULT_LIMITS) };
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
    const again = await MasterKeyRing.open(dir, {}, [db], (line) => warnings.push(line));
    assert.equal(again.current.id, ring.current.id);
    assert.deepEqual(warnings, []);
  });

  it("refuses a key file readable by group or others (0644)", async () => {
    const { dir, db } = await platformDir();
    chmodSync(join(dir, MASTER_KEY_FILE), 0o644);
    await assert.rejects(MasterKeyRing.open(dir, {}, [db], () => {}), { code: "BWK_INVALID_ARGUMENT" });
    const file = join(root, `loose-${n}.key`);
    writeFileSync(file, `${Buffer.alloc(32, 7).toString("base64")}\n`, { mode: 0o644 });
    chmodSync(file, 0o644);
    await assert.rejects(MasterKeyRing.open(dir, { file }, [db], () => {}), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("refuses to start with a key that did not wrap the stored data", async () => {
    const { dir, db, ring, services } = await platformDir();
    services(ring).secrets.set("API_KEY", "value-1");
    const other = Buffer.alloc(32, 9).toString("base64");
    await assert.rejects(MasterKeyRing.open(dir, { env: other }, [db], () => {}), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("refuses to create a new key over existing encrypted data when the key file is gone", async () => {
    const { dir, db, ring, services } = await platformDir();
    services(ring).secrets.set("API_KEY", "value-1");
    rmSync(join(dir, MASTER_KEY_FILE));
    await assert.rejects(MasterKeyRing.open(dir, {}, [db], () => {}), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("rotates: every data key is rewrapped, the ciphertexts are untouched, the data still reads", async () => {
    const { dir, db, ring, services } = await platformDir();
    const { secrets, kv } = services(ring);
    secrets.set("API_KEY", "value-1");
    kv.put("ledger", "k", "v");
    const before = db.prepare("SELECT ciphertext FROM secrets UNION ALL SELECT ciphertext FROM kv").all();
    const oldKey = readFileSync(join(dir, MASTER_KEY_FILE), "utf8");
    const result = await ring.rotate([db]);
    assert.equal(result.rewrapped, 2);
    assert.notEqual(result.newKeyId, result.oldKeyId);
    assert.notEqual(readFileSync(join(dir, MASTER_KEY_FILE), "utf8"), oldKey);
    assert.deepEqual(db.prepare("SELECT ciphertext FROM secrets UNION ALL SELECT ciphertext FROM kv").all(), before);
    assert.equal(secrets.read("API_KEY").value, "value-1");
    assert.equal(kv.get("ledger", "k"), "v");
    const reopened = await MasterKeyRing.open(dir, {}, [db], () => {});
    assert.equal(reopened.current.id, result.newKeyId);
    // The old key no longer opens the data.
    await assert.rejects(MasterKeyRing.open(dir, { env: oldKey.trim() }, [db], () => {}), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("rotates SIEM webhook tokens too, and checks the key against them at start", async () => {
    const { dir, db, ring } = await platformDir();
    const store = new OutboxStore(db);
    const settings = { kind: "ocsf-https", url: "https://siem.example/", batchSize: 100 } as const;
    store.insertSink("soc", settings, masterKeySiemTokenSealer(new Sealer(ring)).seal("soc", "hec-token"), 1);
    const before = store.token("soc")!;
    const oldKey = readFileSync(join(dir, MASTER_KEY_FILE), "utf8").trim();
    const result = await ring.rotate([db]);
    assert.equal(result.rewrapped, 1);
    assert.deepEqual(store.token("soc")!.ciphertext, before.ciphertext);
    assert.notDeepEqual(store.token("soc")!.wrappedKey, before.wrappedKey);
    const reopened = await MasterKeyRing.open(dir, {}, [db], () => {});
    assert.equal(masterKeySiemTokenSealer(new Sealer(reopened)).open("soc", store.token("soc")!), "hec-token");
    await assert.rejects(MasterKeyRing.open(dir, { env: oldKey }, [db], () => {}), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("finishes a rotation that committed but crashed before replacing the key file", async () => {
    const { dir, db, ring, services } = await platformDir();
    services(ring).secrets.set("API_KEY", "value-1");
    const oldKey = join(root, `old-${n}.key`);
    copyFileSync(join(dir, MASTER_KEY_FILE), oldKey);
    await ring.rotate([db]);
    // Simulate the crash: the new key is still at .next, the old one at master.key.
    copyFileSync(join(dir, MASTER_KEY_FILE), join(dir, "master.key.next"));
    copyFileSync(oldKey, join(dir, MASTER_KEY_FILE));
    const recovered = await MasterKeyRing.open(dir, {}, [db], () => {});
    assert.equal(existsSync(join(dir, "master.key.next")), false);
    assert.equal(services(recovered).secrets.read("API_KEY").value, "value-1");
  });

  it("rotates every stage's database: both rewrapped, both readable under the new key", async () => {
    const { dir, db, ring, services } = await platformDir();
    const dev = stageDb(ring);
    services(ring).secrets.set("API_KEY", "prod-value");
    dev.secrets(ring).set("API_KEY", "dev-value");
    const result = await ring.rotate([db, dev.db]);
    assert.equal(result.rewrapped, 2);
    const reopened = await MasterKeyRing.open(dir, {}, [db, dev.db], () => {});
    assert.equal(services(reopened).secrets.read("API_KEY").value, "prod-value");
    assert.equal(dev.secrets(reopened).read("API_KEY").value, "dev-value");
  });

  it("finishes a rotation that crashed after the first stage's database committed and before the second", async () => {
    const { dir, db, ring, services } = await platformDir();
    const dev = stageDb(ring);
    services(ring).secrets.set("API_KEY", "prod-value");
    dev.secrets(ring).set("API_KEY", "dev-value");
    const old = await loadMasterKey({ file: join(dir, MASTER_KEY_FILE) });
    // The crash: the new key is at .next, prod's data is under it, dev's still under the old one.
    const fresh = await createMasterKeyFile(join(dir, "master.key.next"));
    rewrapAll(db, (w) => rewrap(w, old, fresh));
    const recovered = await MasterKeyRing.open(dir, {}, [db, dev.db], () => {});
    assert.equal(recovered.current.id, fresh.id);
    assert.equal(existsSync(join(dir, "master.key.next")), false);
    assert.equal(services(recovered).secrets.read("API_KEY").value, "prod-value");
    assert.equal(dev.secrets(recovered).read("API_KEY").value, "dev-value");
  });

  it("with an operator-supplied key, finishes a rotation that crashed between databases and names the new key file", async () => {
    const dir = join(root, `ext-${++n}`);
    const db = openDatabase(join(root, `ext-${n}.db`));
    const supplied = Buffer.alloc(32, 4).toString("base64");
    const ring = await MasterKeyRing.open(dir, { env: supplied }, [db], () => {});
    const prod = new SecretService(new SqliteSecretStore(db), new Sealer(ring), () => "shop", DEFAULT_LIMITS);
    const dev = stageDb(ring);
    prod.set("A", "prod-a");
    dev.secrets(ring).set("A", "dev-a");
    const fresh = await createMasterKeyFile(join(dir, "master-new.key"));
    renameSync(join(dir, "master-new.key"), join(dir, `master-${fresh.id}.key`));
    rewrapAll(db, (w) => rewrap(w, ring.current, fresh));
    await assert.rejects(MasterKeyRing.open(dir, { env: supplied }, [db, dev.db], () => {}), (e: Error) => e.message.includes(`master-${fresh.id}.key`));
    const next = await MasterKeyRing.open(dir, { file: join(dir, `master-${fresh.id}.key`) }, [db, dev.db], () => {});
    assert.equal(dev.secrets(next).read("A").value, "dev-a");
    assert.equal(new SecretService(new SqliteSecretStore(db), new Sealer(next), () => "shop", DEFAULT_LIMITS).read("A").value, "prod-a");
  });

  it("with an operator-supplied key, writes the new key to its own file and leaves the source alone", async () => {
    const dir = join(root, `ext-${++n}`);
    const db = openDatabase(join(root, `ext-${n}.db`));
    const secretStore = new SqliteSecretStore(db);
    const supplied = Buffer.alloc(32, 3).toString("base64");
    const ring = await MasterKeyRing.open(dir, { env: supplied }, [db], () => {});
    new SecretService(secretStore, new Sealer(ring), () => "shop", DEFAULT_LIMITS).set("A", "value-a");
    const result = await ring.rotate([db]);
    assert.ok(result.newKeyFile !== undefined && existsSync(result.newKeyFile));
    assert.equal(statSync(result.newKeyFile).mode & 0o777, 0o600);
    const next = await MasterKeyRing.open(dir, { file: result.newKeyFile }, [db], () => {});
    assert.equal(new SecretService(secretStore, new Sealer(next), () => "shop", DEFAULT_LIMITS).read("A").value, "value-a");
  });
});

import assert from "node:assert/strict";
import { createHash, generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, test } from "node:test";
import { PRIVATE_KEY_FILE, PUBLIC_KEY_FILE, auditKeyId, loadOrCreateAuditKey } from "../../../src/security/audit/index.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bulwark-audit-keys-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("loadOrCreateAuditKey", () => {
  test("creates an Ed25519 key pair as PEM files with mode 0600", () => {
    const keys = join(dir, "keys");
    const key = loadOrCreateAuditKey(keys);
    assert.equal(key.privateKey.asymmetricKeyType, "ed25519");
    assert.equal(statSync(join(keys, PRIVATE_KEY_FILE)).mode & 0o777, 0o600);
    assert.equal(statSync(join(keys, PUBLIC_KEY_FILE)).mode & 0o777, 0o600);
    assert.match(readFileSync(join(keys, PRIVATE_KEY_FILE), "utf8"), /^-----BEGIN PRIVATE KEY-----/);
    const spki = key.publicKey.export({ type: "spki", format: "der" });
    assert.equal(key.keyId, createHash("sha256").update(spki).digest("hex").slice(0, 16));
    assert.equal(auditKeyId(key.publicKey), key.keyId);
  });

  test("loads the same key on the next start", () => {
    const first = loadOrCreateAuditKey(dir);
    const second = loadOrCreateAuditKey(dir);
    assert.equal(second.keyId, first.keyId);
    assert.ok(second.publicKey.equals(first.publicKey));
  });

  test("rewrites a missing public key file from the private key", () => {
    const first = loadOrCreateAuditKey(dir);
    rmSync(join(dir, PUBLIC_KEY_FILE));
    assert.equal(loadOrCreateAuditKey(dir).keyId, first.keyId);
    assert.ok(statSync(join(dir, PUBLIC_KEY_FILE)).isFile());
  });

  test("refuses a private key readable by group or others", () => {
    loadOrCreateAuditKey(dir);
    chmodSync(join(dir, PRIVATE_KEY_FILE), 0o644);
    assert.throws(() => loadOrCreateAuditKey(dir), { code: "BWK_AUDIT_KEY_INVALID" });
  });

  test("attack: refuses a private key file that is a symlink to a key elsewhere", () => {
    const elsewhere = join(dir, "elsewhere");
    loadOrCreateAuditKey(elsewhere);
    const keys = join(dir, "keys");
    mkdirSync(keys);
    symlinkSync(join(elsewhere, PRIVATE_KEY_FILE), join(keys, PRIVATE_KEY_FILE));
    assert.throws(() => loadOrCreateAuditKey(keys), { code: "BWK_AUDIT_KEY_INVALID" });
  });

  test("attack: refuses a public key file swapped for another key's", () => {
    loadOrCreateAuditKey(dir);
    const other = generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" });
    writeFileSync(join(dir, PUBLIC_KEY_FILE), other);
    assert.throws(() => loadOrCreateAuditKey(dir), { code: "BWK_AUDIT_KEY_INVALID" });
  });

  test("refuses to start a new key when only the public key is left", () => {
    loadOrCreateAuditKey(dir);
    rmSync(join(dir, PRIVATE_KEY_FILE));
    assert.throws(() => loadOrCreateAuditKey(dir), { code: "BWK_AUDIT_KEY_INVALID" });
  });

  test("refuses a private key of another algorithm", () => {
    const rsa = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "pkcs8", format: "pem" });
    writeFileSync(join(dir, PRIVATE_KEY_FILE), rsa, { mode: 0o600 });
    assert.throws(() => loadOrCreateAuditKey(dir), { code: "BWK_AUDIT_KEY_INVALID" });
  });
});

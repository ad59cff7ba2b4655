import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { TOKEN_KEY_FILE, tokenProtectionFromKeysDir } from "../../../src/security/siem/token-key.ts";

const TOKEN = "splunk-hec-token-3f9a";
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bulwark-token-key-"));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("tokenProtectionFromKeysDir", () => {
  it("protects a token so it opens again, also with the key loaded by a later process", () => {
    const stored = tokenProtectionFromKeysDir(dir).protect(TOKEN);

    assert.ok(!stored.includes(TOKEN));
    assert.equal(tokenProtectionFromKeysDir(dir).unprotect(stored), TOKEN);
  });

  it("creates its key owner-only", () => {
    tokenProtectionFromKeysDir(dir);

    assert.equal(statSync(join(dir, TOKEN_KEY_FILE)).mode & 0o777, 0o600);
  });

  it("uses a fresh nonce each time", () => {
    const p = tokenProtectionFromKeysDir(dir);

    assert.notEqual(p.protect(TOKEN), p.protect(TOKEN));
  });

  it("attack: a stored token edited in the database does not open", () => {
    const p = tokenProtectionFromKeysDir(dir);
    const stored = p.protect(TOKEN);
    const flipped = stored.slice(0, -2) + (stored.at(-2) === "A" ? "B" : "A") + stored.at(-1);

    assert.throws(() => p.unprotect(flipped), { code: "BWK_DECRYPT_FAILED" });
    assert.throws(() => p.unprotect("v1.AAAA"), { code: "BWK_DECRYPT_FAILED" });
    assert.throws(() => p.unprotect(TOKEN), { code: "BWK_DECRYPT_FAILED" });
  });

  it("attack: a database copied to another platform (another key) does not reveal the token", () => {
    const stored = tokenProtectionFromKeysDir(dir).protect(TOKEN);
    const other = mkdtempSync(join(tmpdir(), "bulwark-token-key-"));
    try {
      assert.throws(() => tokenProtectionFromKeysDir(other).unprotect(stored), { code: "BWK_DECRYPT_FAILED" });
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it("refuses a key file readable by others", () => {
    tokenProtectionFromKeysDir(dir);
    chmodSync(join(dir, TOKEN_KEY_FILE), 0o644);

    assert.throws(() => tokenProtectionFromKeysDir(dir), { code: "BWK_INTERNAL" });
  });

  it("attack: refuses a key file that is a symlink (CWE-59)", () => {
    const elsewhere = join(dir, "elsewhere");
    writeFileSync(elsewhere, `${Buffer.alloc(32, 1).toString("base64")}\n`, { mode: 0o600 });
    symlinkSync(elsewhere, join(dir, TOKEN_KEY_FILE));

    assert.throws(() => tokenProtectionFromKeysDir(dir), { code: "BWK_INTERNAL" });
    assert.equal(readFileSync(elsewhere, "utf8").trim().length, 44);
  });

  it("refuses a key file that does not hold a 32-byte key", () => {
    writeFileSync(join(dir, TOKEN_KEY_FILE), "short\n", { mode: 0o600 });

    assert.throws(() => tokenProtectionFromKeysDir(dir), { code: "BWK_INTERNAL" });
  });
});

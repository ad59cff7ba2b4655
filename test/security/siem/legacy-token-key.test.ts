import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it } from "node:test";
import { LEGACY_TOKEN_KEY_FILE, loadLegacyTokenKey, removeLegacyTokenKey } from "../../../src/security/siem/legacy-token-key.ts";
import { writeLegacyTokenKey } from "./support.ts";

const TOKEN = "splunk-hec-token-3f9a";
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bulwark-token-key-"));
});

afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("loadLegacyTokenKey", () => {
  it("opens a token an older version protected with keys/siem-token.key", () => {
    const stored = writeLegacyTokenKey(dir)(TOKEN);

    assert.ok(!stored.includes(TOKEN));
    assert.equal(loadLegacyTokenKey(dir)!.open(stored), TOKEN);
  });

  it("is undefined when the keys dir has no legacy key, and never creates one", () => {
    assert.equal(loadLegacyTokenKey(dir), undefined);
    assert.equal(existsSync(join(dir, LEGACY_TOKEN_KEY_FILE)), false);
  });

  it("attack: a stored token edited in the database does not open", () => {
    const stored = writeLegacyTokenKey(dir)(TOKEN);
    const key = loadLegacyTokenKey(dir)!;
    const flipped = stored.slice(0, -2) + (stored.at(-2) === "A" ? "B" : "A") + stored.at(-1);

    assert.throws(() => key.open(flipped), { code: "BWK_DECRYPT_FAILED" });
    assert.throws(() => key.open("v1.AAAA"), { code: "BWK_DECRYPT_FAILED" });
    assert.throws(() => key.open(TOKEN), { code: "BWK_DECRYPT_FAILED" });
  });

  it("refuses a key file readable by others", () => {
    writeLegacyTokenKey(dir);
    chmodSync(join(dir, LEGACY_TOKEN_KEY_FILE), 0o644);

    assert.throws(() => loadLegacyTokenKey(dir), { code: "BWK_INTERNAL" });
  });

  it("attack: refuses a key file that is a symlink (CWE-59)", () => {
    const elsewhere = join(dir, "elsewhere");
    writeFileSync(elsewhere, `${Buffer.alloc(32, 1).toString("base64")}\n`, { mode: 0o600 });
    symlinkSync(elsewhere, join(dir, LEGACY_TOKEN_KEY_FILE));

    assert.throws(() => loadLegacyTokenKey(dir), { code: "BWK_INTERNAL" });
    assert.equal(readFileSync(elsewhere, "utf8").trim().length, 44);
  });

  it("refuses a key file that does not hold a 32-byte key", () => {
    writeFileSync(join(dir, LEGACY_TOKEN_KEY_FILE), "short\n", { mode: 0o600 });

    assert.throws(() => loadLegacyTokenKey(dir), { code: "BWK_INTERNAL" });
  });
});

describe("removeLegacyTokenKey", () => {
  it("removes the key file once, and reports whether there was one", () => {
    writeLegacyTokenKey(dir);

    assert.equal(removeLegacyTokenKey(dir), true);
    assert.equal(existsSync(join(dir, LEGACY_TOKEN_KEY_FILE)), false);
    assert.equal(removeLegacyTokenKey(dir), false);
  });
});

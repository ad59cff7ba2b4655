// Data dirs from before the master key sealed SIEM tokens: their tokens move under the sealer at
// start, the old key file goes once nothing needs it, and a token that does not open is kept.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterEach, beforeEach, describe, it } from "node:test";
import { LEGACY_TOKEN_KEY_FILE } from "../../../src/security/siem/legacy-token-key.ts";
import { migrateSiem } from "../../../src/security/siem/schema.ts";
import { OutboxStore } from "../../../src/security/siem/store.ts";
import { migrateLegacyTokens } from "../../../src/security/siem/token-migration.ts";
import { testTokenSealer, writeLegacyTokenKey } from "./support.ts";

let dir: string;
let keysDir: string;
let db: DatabaseSync;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "bulwark-token-migration-"));
  keysDir = join(dir, "keys");
  db = new DatabaseSync(join(dir, "bulwark.db"));
  migrateSiem(db);
});

afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A sink row as an older version stored it: the token under keys/siem-token.key. */
function legacySink(name: string, protectedToken: string): void {
  const config = JSON.stringify({ kind: "ocsf-https", url: `https://${name}.example/`, batchSize: 100 });
  db.prepare("INSERT INTO siem_sinks (name, kind, config, protected_token, created_at) VALUES (?, 'ocsf-https', ?, ?, 1)").run(name, config, protectedToken);
}

describe("migrateLegacyTokens", () => {
  it("moves every token under the sealer, erases the old form and removes keys/siem-token.key", () => {
    const protect = writeLegacyTokenKey(keysDir);
    legacySink("splunk", protect("splunk-token"));
    legacySink("sentinel", protect("sentinel-token"));
    const sealer = testTokenSealer();

    const result = migrateLegacyTokens(db, keysDir, sealer);

    assert.deepEqual(result, { moved: ["sentinel", "splunk"], unreadable: [], keyRemoved: true });
    assert.equal(existsSync(join(keysDir, LEGACY_TOKEN_KEY_FILE)), false);
    assert.equal(db.prepare("SELECT count(*) AS n FROM siem_sinks WHERE protected_token IS NOT NULL").get()!["n"], 0);
    const store = new OutboxStore(db);
    const tokens = new Map(store.sinks().map((s) => [s.name, sealer.open(s.name, store.token(s.name)!)]));
    assert.deepEqual(tokens, new Map([["sentinel", "sentinel-token"], ["splunk", "splunk-token"]]));
    assert.deepEqual(migrateLegacyTokens(db, keysDir, sealer), { moved: [], unreadable: [], keyRemoved: false }, "a later start has nothing to do");
  });

  it("attack: a legacy token edited in the database is not moved, and the key that may still be needed stays", () => {
    const protect = writeLegacyTokenKey(keysDir);
    const edited = protect("soc-token");
    legacySink("soc", edited.slice(0, -2) + (edited.at(-2) === "A" ? "B" : "A") + edited.at(-1));
    legacySink("ok", protect("ok-token"));

    const result = migrateLegacyTokens(db, keysDir, testTokenSealer());

    assert.deepEqual(result, { moved: ["ok"], unreadable: ["soc"], keyRemoved: false });
    assert.equal(existsSync(join(keysDir, LEGACY_TOKEN_KEY_FILE)), true);
    assert.equal(new OutboxStore(db).token("soc"), undefined);
    assert.deepEqual(new OutboxStore(db).legacyTokens().map((t) => t.sink), ["soc"]);
  });

  it("leaves the tokens as they are when keys/siem-token.key is gone", () => {
    const protect = writeLegacyTokenKey(keysDir);
    legacySink("soc", protect("soc-token"));
    rmSync(join(keysDir, LEGACY_TOKEN_KEY_FILE));

    assert.deepEqual(migrateLegacyTokens(db, keysDir, testTokenSealer()), { moved: [], unreadable: ["soc"], keyRemoved: false });
  });

  it("removes a legacy key that protects nothing (no https sink, or a start that stopped after the move)", () => {
    writeLegacyTokenKey(keysDir);

    assert.deepEqual(migrateLegacyTokens(db, keysDir, testTokenSealer()), { moved: [], unreadable: [], keyRemoved: true });
    assert.equal(existsSync(join(keysDir, LEGACY_TOKEN_KEY_FILE)), false);
  });
});

import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { SessionFile } from "../../src/cli/sessions.ts";

const SESSION = { token: `bws_${"A".repeat(43)}`, user: "alice", expiresAt: "2030-01-01T00:00:00.000Z" };

describe("SessionFile", () => {
  it("keeps one session per control URL in a 0600 file inside a 0700 dir", () => {
    const dir = join(mkdtempSync(join(tmpdir(), "bulwark-cfg-")), "bulwark");
    const file = new SessionFile(dir);
    file.set("http://127.0.0.1:7000", SESSION);
    file.set("http://127.0.0.1:7001", { ...SESSION, user: "bob" });
    assert.equal(file.get("http://127.0.0.1:7000")?.user, "alice");
    assert.equal(file.get("http://127.0.0.1:7001")?.user, "bob");
    assert.equal(statSync(file.path).mode & 0o777, 0o600);
    assert.equal(statSync(dir).mode & 0o777, 0o700);
    assert.equal(file.delete("http://127.0.0.1:7000"), true);
    assert.equal(file.get("http://127.0.0.1:7000"), undefined);
    assert.equal(file.delete("http://127.0.0.1:7000"), false);
  });

  it("refuses a file other users can read, and a corrupt one, with what to do", () => {
    const dir = mkdtempSync(join(tmpdir(), "bulwark-cfg-"));
    const file = new SessionFile(dir);
    file.set("http://x", SESSION);
    chmodSync(file.path, 0o640);
    assert.throws(() => file.get("http://x"), (e: { code?: string; message: string }) => e.code === "BWK_INVALID_ARGUMENT" && /chmod 600/.test(e.message));
    writeFileSync(file.path, "{not json", { mode: 0o600 });
    chmodSync(file.path, 0o600);
    assert.throws(() => file.get("http://x"), (e: { code?: string }) => e.code === "BWK_INVALID_ARGUMENT");
  });

  it("ignores entries that are not sessions and keys like __proto__", () => {
    const dir = mkdtempSync(join(tmpdir(), "bulwark-cfg-"));
    const file = new SessionFile(dir);
    writeFileSync(file.path, JSON.stringify({ "http://a": { token: 1 }, ["__proto__"]: SESSION, "http://b": SESSION }), { mode: 0o600 });
    assert.equal(file.get("http://a"), undefined);
    assert.equal(file.get("http://b")?.user, "alice");
    assert.equal(({} as Record<string, unknown>).token, undefined);
  });
});

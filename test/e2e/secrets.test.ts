// Secrets and the master key through the real CLI: values only from stdin or a file, `ls` never
// shows one, versions grow on rotate, `keys rotate-master` keeps everything readable across a
// restart, and a master key file open to others or a wrong key stops `up` with an event.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { brokerManifest, PROBE, probe } from "./broker-app.ts";
import { cli, ROOT, up, writeApp, type RunningPlatform } from "./harness.ts";

const BIN = join(ROOT, "bin", "bulwark.js");
const APP = () => writeApp({ "bulwark.yaml": brokerManifest("keeper", { reader: { handler: "probe.js", extra: "permissions:\n  secrets: [DB_PASSWORD]\n  kv: { notes: [read, write] }" } }), "probe.js": PROBE });

function withStdin(args: string[], input: string, dataDir: string) {
  const r = spawnSync(process.execPath, [BIN, ...args, "--data-dir", dataDir], { cwd: ROOT, input, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function events(dataDir: string, type: string): Array<{ reason: string; details?: Record<string, unknown> }> {
  const db = new DatabaseSync(join(dataDir, "bulwark.db"), { readOnly: true });
  try {
    return (db.prepare("SELECT body FROM security_events WHERE type = ? ORDER BY seq").all(type) as Array<{ body: string }>).map((r) => JSON.parse(r.body));
  } finally {
    db.close();
  }
}

describe("bulwark secrets and keys rotate-master", () => {
  let p: RunningPlatform;
  before(async () => {
    p = await up(APP());
  });
  after(async () => {
    await p?.stop();
  });

  it("sets a secret from stdin, lists names and versions but never values, and serves it to a granted function", async () => {
    const set = withStdin(["secrets", "set", "DB_PASSWORD"], "correct-horse-battery\n", p.dataDir);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /set secret DB_PASSWORD in the prod stage \(version 1\)/);
    const ls = p.cli(["secrets", "ls", "--json"]);
    assert.equal(ls.code, 0, ls.stderr);
    const listed = JSON.parse(ls.stdout) as Array<Record<string, unknown>>;
    assert.deepEqual(listed.map((s) => [s["name"], s["version"]]), [["DB_PASSWORD", 1]]);
    assert.equal(ls.stdout.includes("correct-horse"), false);
    const r = await probe(p.fetch, "reader", [["secrets.get", "DB_PASSWORD"]]);
    assert.equal(r.results[0]?.value, "correct-horse-battery");
  });

  it("never takes a value from argv", () => {
    const r = p.cli(["secrets", "set", "API_TOKEN", "value-on-the-command-line"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /unexpected argument/);
    assert.equal(JSON.parse(p.cli(["secrets", "ls", "--json"]).stdout).some((s: { name: string }) => s.name === "API_TOKEN"), false);
  });

  it("rotates to a new version that functions read at once; get reads it back; set refuses an existing name", async () => {
    const file = join(p.appDir, "new-password");
    writeFileSync(file, "staple-2", { mode: 0o600 });
    const rotated = p.cli(["secrets", "rotate", "DB_PASSWORD", "--from-file", file]);
    assert.equal(rotated.code, 0, rotated.stderr);
    assert.match(rotated.stdout, /version 2/);
    assert.equal((await probe(p.fetch, "reader", [["secrets.get", "DB_PASSWORD"]])).results[0]?.value, "staple-2");
    const got = p.cli(["secrets", "get", "DB_PASSWORD"]);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout, "staple-2");
    assert.equal(withStdin(["secrets", "set", "DB_PASSWORD"], "x\n", p.dataDir).code, 1);
  });

  it("audits every control-plane secret action with the secret's name, never its value", () => {
    const db = new DatabaseSync(join(p.dataDir, "audit.db"), { readOnly: true });
    try {
      const rows = db.prepare("SELECT action, target, details FROM audit_records WHERE target = 'secret:DB_PASSWORD' ORDER BY seq").all() as Array<Record<string, string>>;
      assert.deepEqual(rows.map((r) => r["action"]).filter((a) => a!.startsWith("secrets.")), ["secrets.write", "secrets.rotate", "secrets.read", "secrets.write"]);
      assert.equal(JSON.stringify(rows).includes("staple-2"), false);
    } finally {
      db.close();
    }
  });

  it("rotates the master key: data keys rewrapped, values unchanged, readable after a restart", async () => {
    await probe(p.fetch, "reader", [["kv", "notes", "put", "n1", "note one"]]);
    const r = p.cli(["keys", "rotate-master"]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /data keys rewrapped/);
    await p.halt();
    p = await up(p.appDir, [], { dataDir: p.dataDir });
    const after = await probe(p.fetch, "reader", [["secrets.get", "DB_PASSWORD"], ["kv", "notes", "get", "n1"]]);
    assert.deepEqual(after.results.map((o) => o.value), ["staple-2", "note one"]);
  });

  it("removes a secret and all its versions; a function then gets NotFound", async () => {
    const r = p.cli(["secrets", "rm", "DB_PASSWORD"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await probe(p.fetch, "reader", [["secrets.get", "DB_PASSWORD"]])).results[0]?.code, "BWK_NOT_FOUND");
  });
});

describe("master key sources", () => {
  const dirs: string[] = [];
  const temp = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("refuses to start with a master key file of mode 0644, and records masterkey.refused", () => {
    const keyFile = join(temp("bulwark-key-"), "master.key");
    writeFileSync(keyFile, `${Buffer.alloc(32, 1).toString("base64")}\n`);
    chmodSync(keyFile, 0o644);
    const dataDir = temp("bulwark-data-");
    const r = cli(["up", resolve(APP()), "--port", "0", "--data", dataDir, "--master-key-file", keyFile]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /mode 0644.*chmod 600/);
    const [event] = events(dataDir, "masterkey.refused");
    assert.equal(event?.details?.["source"], "file");
  });

  it("starts with BULWARK_MASTER_KEY, and refuses a different key for the same data", async () => {
    const dataDir = temp("bulwark-data-");
    const app = APP();
    const key = Buffer.alloc(32, 5).toString("base64");
    const first = await up(app, [], { dataDir, env: { BULWARK_MASTER_KEY: key } });
    assert.equal(withStdin(["secrets", "set", "DB_PASSWORD"], "pw-1\n", dataDir).code, 0);
    await first.halt();
    const r = cli(["up", app, "--port", "0", "--data", dataDir], { env: { BULWARK_MASTER_KEY: Buffer.alloc(32, 6).toString("base64") } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /encrypted under master key/);
    assert.equal(events(dataDir, "masterkey.refused").length, 1);
    rmSync(app, { recursive: true, force: true });
  });
});

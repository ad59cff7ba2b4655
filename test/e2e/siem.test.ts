// SIEM export end to end: `bulwark siem add` points a real platform at a real TCP syslog receiver
// and a real HTTPS webhook. The receivers go down, events keep coming, the platform is stopped
// and started again on the same data dir, the receivers come back: every audit record and
// security event must arrive at both (ids checked, duplicates allowed), in the right format. The
// webhook token, sealed under the master key, survives `keys rotate-master`.
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import type { AuditRecord } from "../../src/security/audit/index.ts";
import {
  OcsfReceiver, SyslogReceiver, hasOpenssl, makeTestPki, parseCef, parseSyslog, until, type TestPki,
} from "../security/siem/support.ts";
import { manifest, up, writeApp, type CliResult, type RunningPlatform } from "./harness.ts";

const TOKEN = "hec-token-e2e-7Qx_secret";
let p: RunningPlatform;
let work: string;
let pki: TestPki;
let syslog: SyslogReceiver;
let webhook: OcsfReceiver;
/** Audit seq of the record that added the second sink: both sinks get everything from there on. */
let firstSeq = 0;

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}${r.stdout}`);
  return r;
}

/** What the platform stored: audit records from firstSeq on and every security event, by SIEM id. */
function expectedIds(): { audit: string[]; events: string[] } {
  const auditDb = new DatabaseSync(join(p.dataDir, "audit.db"), { readOnly: true });
  const stateDb = new DatabaseSync(join(p.dataDir, "bulwark.db"), { readOnly: true });
  try {
    const audit = auditDb.prepare("SELECT seq FROM audit_records WHERE seq >= ? ORDER BY seq").all(firstSeq).map((r) => `audit-${String(r["seq"])}`);
    const events = stateDb.prepare("SELECT id FROM security_events ORDER BY seq").all().map((r) => String(r["id"]));
    return { audit, events };
  } finally {
    auditDb.close();
    stateDb.close();
  }
}

function syslogIds(): Set<string> {
  return new Set(syslog.frames.map((f) => parseCef(parseSyslog(f).msg).ext["externalId"] ?? ""));
}

function webhookIds(): Set<string> {
  return new Set(webhook.batches.flat().map((e) => (e as { metadata: { uid: string } }).metadata.uid));
}

describe("SIEM export across an outage and a platform restart", { skip: hasOpenssl() ? false : "openssl CLI not found" }, () => {
  before(async () => {
    work = mkdtempSync(join(tmpdir(), "bulwark-siem-e2e-"));
    pki = makeTestPki();
    syslog = new SyslogReceiver();
    webhook = new OcsfReceiver(pki);
    await syslog.start();
    await webhook.start();
    const app = writeApp({
      "bulwark.yaml": manifest("exported", { slow: { handler: "slow.js", extra: "timeout: 200ms" } }),
      "slow.js": "export async function handler() { for (;;) {} }\n",
    });
    p = await up(app);
  });

  after(async () => {
    await p?.stop();
    await syslog?.stop();
    await webhook?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it("adds a syslog sink and an OCSF webhook sink; the token is read from a file and never listed", () => {
    const tokenFile = join(work, "token");
    const caFile = join(work, "ca.pem");
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    writeFileSync(caFile, pki.ca);

    ok(p.cli(["siem", "add", "soc-syslog", "--syslog", `127.0.0.1:${syslog.port}`]));
    ok(p.cli(["siem", "add", "soc-https", "--ocsf-https", `https://127.0.0.1:${webhook.port}/ingest`, "--token-file", tokenFile, "--ca", caFile]));
    const listed = ok(p.cli(["siem", "ls", "--json"])).stdout;

    assert.deepEqual((JSON.parse(listed) as Array<{ name: string }>).map((s) => s.name), ["soc-https", "soc-syslog"]);
    assert.ok(!listed.includes(TOKEN));
    const adds = JSON.parse(ok(p.cli(["audit", "query", "--action", "siem.manage", "--target", "siem:soc-https", "--json"])).stdout) as AuditRecord[];
    firstSeq = adds[0]!.seq;
  });

  it("delivers audit records and security events while the SIEM is up, in CEF-over-syslog and OCSF", async () => {
    const failed = p.cli(["invoke", "slow"]);
    assert.equal(failed.code, 1, "the handler times out");

    await until(() => {
      const { audit, events } = expectedIds();
      return events.length > 0 && [...audit, ...events].every((id) => syslogIds().has(id) && webhookIds().has(id));
    }, "first deliveries", 30_000);

    const timeout = syslog.frames.map((f) => parseSyslog(f)).find((m) => m.msgId === "sandbox.timeout");
    assert.ok(timeout, "the timeout event went out as syslog");
    assert.equal(timeout.appName, "bulwark");
    assert.match(timeout.msg, /^CEF:0\|/);
    const ocsf = webhook.batches.flat() as Array<{ class_uid: number; metadata: { version: string; product: { name: string } } }>;
    assert.ok(ocsf.every((e) => typeof e.class_uid === "number" && e.metadata.product.name === "Bulwark"));
    assert.ok(webhook.authorizations.every((a) => a === `Bearer ${TOKEN}`));
  });

  it("loses nothing when the SIEM is down across a platform restart: all arrive when it is back", async () => {
    await syslog.stop();
    await webhook.stop();
    const before = { syslog: syslog.frames.length, webhook: webhook.batches.length };

    assert.equal(p.cli(["invoke", "slow"]).code, 1);
    ok(p.cli(["ls"]));
    await p.halt();
    p = await up(p.appDir, [], { dataDir: p.dataDir });
    assert.equal(p.cli(["invoke", "slow"]).code, 1);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(syslog.frames.length, before.syslog, "nothing can have arrived while the receivers were down");
    assert.equal(webhook.batches.length, before.webhook);

    await syslog.start();
    await webhook.start();

    await until(() => {
      const { audit, events } = expectedIds();
      return [...audit, ...events].every((id) => syslogIds().has(id) && webhookIds().has(id));
    }, "every record and event delivered after the restart", 60_000);
    const { audit, events } = expectedIds();
    assert.ok(events.length >= 3, `three timeouts recorded, got ${events.length}`);
    assert.ok(audit.length >= 6);
  });

  it("keeps sending the webhook token after `keys rotate-master` and a restart: the token is rewrapped with the data keys", async () => {
    // The app stores no secret, KV value or object: the one data key to rewrap is the webhook token's.
    const rotated = ok(p.cli(["keys", "rotate-master"]));
    assert.match(rotated.stdout, /: 1 data keys rewrapped/);
    await p.halt();
    p = await up(p.appDir, [], { dataDir: p.dataDir });
    const from = webhook.authorizations.length;

    assert.equal(p.cli(["invoke", "slow"]).code, 1);

    await until(() => webhook.authorizations.length > from, "a delivery after the rotation", 30_000);
    assert.ok(webhook.authorizations.slice(from).every((a) => a === `Bearer ${TOKEN}`));
    assert.equal(existsSync(join(p.dataDir, "keys", "siem-token.key")), false, "no key of its own beside the master key");
  });

  it("removes a sink", () => {
    ok(p.cli(["siem", "rm", "soc-syslog"]));

    assert.deepEqual((JSON.parse(ok(p.cli(["siem", "ls", "--json"])).stdout) as Array<{ name: string }>).map((s) => s.name), ["soc-https"]);
  });

  it("refuses a plain-http webhook and a token on the command line", () => {
    const http = p.cli(["siem", "add", "bad", "--ocsf-https", "http://127.0.0.1:1/x", "--token-file", join(work, "token")]);
    const argvToken = p.cli(["siem", "add", "bad", "--ocsf-https", "https://127.0.0.1:1/x", "--token", TOKEN]);

    assert.equal(http.code, 1);
    assert.match(http.stderr, /https/);
    assert.equal(argvToken.code, 2);
  });
});

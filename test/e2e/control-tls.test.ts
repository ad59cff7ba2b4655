// The control API over TLS (issue 6): `up --control-tls dev` serves it over HTTPS with HSTS, even
// beyond loopback (--control-host); control.json pins its certificate's fingerprint, and the CLI
// signs in, enrols MFA and deploys over it. A CLI elsewhere connects with BULWARK_CONTROL_URL and
// BULWARK_CONTROL_CA. Refused, each with one line: a client trusting another certificate (before
// its token leaves), plain HTTP to the TLS port (a security event), and a control API beyond
// loopback without TLS.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { generate } from "selfsigned";
import { ControlClient } from "../../src/control/client.ts";
import { cli, manifest, up, writeApp, type RunningPlatform } from "./harness.ts";
import { devCa, nodeFetch } from "./https-fetch.ts";
import { cliAs, cliEnrol, configDir } from "./people-helpers.ts";
import { securityEvents } from "./security-events.ts";

const APP = {
  "bulwark.yaml": manifest("control-tls", { hello: { handler: "src/hello.js", routes: ["GET /hello"] } }),
  "src/hello.js": "export async function handler() { return { ok: true }; }\n",
};

interface AuditRecord {
  actor: { id: string };
  action: string;
  outcome: string;
}

describe("control API over TLS (--control-tls dev --control-host 0.0.0.0)", () => {
  let p: RunningPlatform;
  let control: { url: string; fingerprint256: string };
  let local: string;

  before(async () => {
    p = await up(writeApp(APP), ["--control-tls", "dev", "--control-host", "0.0.0.0"]);
    control = JSON.parse(readFileSync(join(p.dataDir, "control.json"), "utf8")) as typeof control;
    local = readFileSync(join(p.dataDir, "admin.token"), "utf8").trim();
  });
  after(() => p.stop());

  const operator = () => ControlClient.fromDataDir(p.dataDir);
  const trail = (query: string) => operator().request<AuditRecord[]>("GET", `/v1/audit?${query}`);
  const whoamiCount = async () => (await trail("action=auth.whoami")).length;

  it("records the https URL and the certificate's fingerprint in control.json, and prints the fingerprint", () => {
    assert.match(control.url, /^https:\/\/127\.0\.0\.1:\d+$/, "a wildcard listener is reached on loopback");
    assert.equal(control.fingerprint256, new X509Certificate(devCa(p.dataDir)).fingerprint256);
    assert.match(p.stdout(), new RegExp(`control API at ${control.url} .*\\n {2}its certificate: sha256:${control.fingerprint256}\\n`));
    assert.match(p.url, /^http:/, "the public edge keeps its own setting");
  });

  it("answers with HSTS, no-store and nosniff", async () => {
    const res = await nodeFetch(`${control.url}/v1/auth/whoami`, { headers: { authorization: `Bearer ${local}` } }, devCa(p.dataDir));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("strict-transport-security"), "max-age=31536000");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
  });

  it("signs in, enrols MFA and deploys to prod through the CLI, pinned from control.json", async () => {
    const added = p.cli(["users", "add", "olga", "--roles", "operator"]);
    assert.equal(added.code, 0, added.stderr);
    const oneTime = /one-time password: (\S+)/.exec(added.stdout)![1]!;
    const config = configDir();
    const as = (args: string[], input?: string) => cliAs([...args, "--data-dir", p.dataDir], { config, ...(input === undefined ? {} : { input }) });

    const signIn = await as(["login", "--user", "olga"], `${oneTime}\nolga-chose-this\nolga-chose-this\n`);
    assert.equal(signIn.code, 0, signIn.stderr);
    assert.match(signIn.stdout, new RegExp(`signed in to ${control.url} as olga`));
    const enrolled = await cliEnrol(p.dataDir, config, "olga-chose-this");
    assert.equal(enrolled.code, 0, enrolled.stderr);

    // Confirming the enrolment was her MFA check: the deploy to prod needs no other within 5 minutes.
    const deployed = await as(["deploy", p.appDir]);
    assert.equal(deployed.code, 0, deployed.stderr);
    assert.match(deployed.stdout, /deployed app control-tls/);
    assert.deepEqual((await trail("actorId=olga&action=deploy.prod")).map((r) => r.outcome), ["success"]);
    assert.equal((await p.fetch("/hello")).status, 200);
  });

  it("lets a CLI elsewhere connect with BULWARK_CONTROL_URL and BULWARK_CONTROL_CA: the fingerprint, or the certificate file", async () => {
    for (const ca of [`sha256:${control.fingerprint256}`, join(p.dataDir, "tls", "dev-cert.pem")]) {
      const r = await cliAs(["whoami"], { config: configDir(), env: { BULWARK_CONTROL_URL: control.url, BULWARK_CONTROL_CA: ca, BULWARK_TOKEN: local } });
      assert.equal(r.code, 0, r.stderr);
    }
  });

  it("attack: a CLI trusting another certificate stops with one line before its token is sent", async () => {
    const other = await generate([{ name: "commonName", value: "localhost" }], { keyType: "ec", algorithm: "sha256" });
    const otherFile = join(writeApp({ "other.pem": other.cert }), "other.pem");
    const before = await whoamiCount();
    const cases: Array<[Record<string, string>, RegExp]> = [
      [{ BULWARK_CONTROL_CA: `sha256:${new X509Certificate(other.cert).fingerprint256}` }, /presented the certificate with SHA-256 [0-9A-F:]+, not the pinned [0-9A-F:]+: nothing was sent/],
      [{ BULWARK_CONTROL_CA: otherFile }, /presented a certificate that is not trusted \(.+\): nothing was sent/],
      // No trust given: the system's CAs, which do not know a development certificate.
      [{}, /presented a certificate that is not trusted \(.+\): nothing was sent/],
    ];
    for (const [env, message] of cases) {
      const r = await cliAs(["whoami"], { config: configDir(), env: { BULWARK_CONTROL_URL: control.url, BULWARK_TOKEN: local, ...env } });
      assert.equal(r.code, 1);
      assert.match(r.stderr, new RegExp(`^bulwark: the control API at ${control.url} ${message.source}`));
      assert.equal(r.stderr.split("\n").length, 2, "one line");
    }
    assert.equal(await whoamiCount(), before, "the control API received no call");
  });

  it("attack: plain HTTP to the TLS control port gets no answer and is a security event", async () => {
    const plain = control.url.replace("https:", "http:");
    await assert.rejects(nodeFetch(`${plain}/v1/auth/whoami`, { headers: { authorization: `Bearer ${local}` } }));
    const r = await cliAs(["whoami", "--control-url", plain], { config: configDir(), env: { BULWARK_TOKEN: local } });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^bulwark: the platform at http:\/\/127\.0\.0\.1:\d+ is not answering .*needs an https:\/\/ URL\)\n$/);
    const refused = (await securityEvents(p, "tls.handshake_failed")).filter((e) => e.route === "control");
    assert.equal(refused.length, 2, JSON.stringify(refused));
    assert.deepEqual(refused.map((e) => [e.clientIp, e.reason]), Array(2).fill(["127.0.0.1", "TLS handshake with the control API failed: ERR_SSL_HTTP_REQUEST"]));
  });
});

describe("control API without TLS", () => {
  it("refuses --control-host beyond loopback with one line, before anything starts", () => {
    for (const host of ["0.0.0.0", "::", "192.0.2.10"]) {
      const r = cli(["up", writeApp(APP), "--port", "0", "--control-host", host]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `bulwark: --control-host ${host} is beyond loopback and needs --control-tls (dev, or --control-tls-cert/--control-tls-key): control API credentials must never cross a network in clear text\n`);
    }
  });

  it("refuses a plain http control URL that is not on loopback: the token would cross the network in clear text", () => {
    const r = cli(["whoami", "--control-url", "http://192.0.2.10:7070"], { env: { BULWARK_TOKEN: "t" } });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^bulwark: --control-url http:\/\/192\.0\.2\.10:7070 must be https:\/\//);
  });

  it("names the control flags when their certificate and key do not match", async () => {
    const [a, b] = [await generate([{ name: "commonName", value: "a" }], { keyType: "ec" }), await generate([{ name: "commonName", value: "b" }], { keyType: "ec" })];
    const tls = writeApp({ "cert.pem": a.cert, "key.pem": b.private });
    const app = writeApp(APP);
    const r = cli(["up", app, "--port", "0", "--data", join(app, ".data"), "--control-tls-cert", join(tls, "cert.pem"), "--control-tls-key", join(tls, "key.pem")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^bulwark: --control-tls-key does not belong to the certificate in .*cert\.pem$/m);
  });
});

// HTTPS at the edge: `--tls dev` makes a development certificate (key 0600 in the data dir) and
// serves HTTPS with HSTS; `--tls-cert/--tls-key` serve the operator's certificate, and one whose
// key does not match fails the start with one line. Security headers are on every response.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { Agent, request } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { generate } from "selfsigned";
import { cli, up, writeApp, type RunningPlatform } from "./harness.ts";
import { devCa, nodeFetch } from "./https-fetch.ts";

const APP = {
  "bulwark.yaml": 'app: tls\nfunctions:\n  ping:\n    handler: ping.js\n    triggers:\n      - http: { method: GET, path: /ping, auth: none }\n',
  "ping.js": "export const handler = async () => ({ pong: true });\n",
};

async function selfSigned() {
  return generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
}

describe("TLS with --tls dev", () => {
  let p: RunningPlatform;
  before(async () => {
    p = await up(writeApp(APP), ["--tls", "dev"]);
  });
  after(() => p.stop());

  it("serves HTTPS, trusted with the development certificate from the data dir", async () => {
    assert.match(p.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    const res = await p.fetch("/ping");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { pong: true });
  });

  it("sends HSTS and nosniff, and names no server version", async () => {
    const res = await p.fetch("/ping");
    assert.equal(res.headers.get("strict-transport-security"), "max-age=31536000");
    assert.equal(res.headers.get("x-content-type-options"), "nosniff");
    assert.equal(res.headers.get("server"), null);
    assert.equal(res.headers.get("x-powered-by"), null);
  });

  it("keeps an HTTP/1.1 connection alive for a client that wants it: two requests, one TLS session", async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1, ca: devCa(p.dataDir) });
    const get = () =>
      new Promise<{ connection: string | undefined; socket: unknown }>((resolve, reject) => {
        const req = request(`${p.url}/ping`, { agent }, (res) => {
          res.resume();
          res.on("end", () => resolve({ connection: res.headers.connection, socket: req.socket }));
        });
        req.on("error", reject);
        req.end();
      });
    try {
      const first = await get();
      const second = await get();
      assert.equal(first.connection, "keep-alive");
      assert.equal(second.socket, first.socket, "the second request reused the connection");
    } finally {
      agent.destroy();
    }
  });

  it("marks errors no-store, with the same security headers", async () => {
    const res = await p.fetch("/missing");
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.equal(res.headers.get("strict-transport-security"), "max-age=31536000");
    assert.equal(res.headers.get("content-type"), "application/problem+json");
  });

  it("keeps the private key owner-only and names localhost and 127.0.0.1 in the certificate", () => {
    assert.equal(statSync(join(p.dataDir, "tls", "dev-key.pem")).mode & 0o777, 0o600);
    const cert = new X509Certificate(readFileSync(join(p.dataDir, "tls", "dev-cert.pem")));
    assert.match(cert.subjectAltName ?? "", /DNS:localhost/);
    assert.match(cert.subjectAltName ?? "", /IP Address:127\.0\.0\.1/);
  });

  it("refuses a client that does not trust the certificate", async () => {
    await assert.rejects(fetch(`${p.url}/ping`));
  });
});

describe("TLS with the operator's certificate", () => {
  it("serves HTTPS with --tls-cert and --tls-key", async () => {
    const pems = await selfSigned();
    // Outside the app: a private key in the app directory is what the deploy gate blocks.
    const tls = writeApp({ "cert.pem": pems.cert, "key.pem": pems.private });
    const p = await up(writeApp(APP), ["--tls-cert", join(tls, "cert.pem"), "--tls-key", join(tls, "key.pem")]);
    try {
      const res = await nodeFetch(`${p.url}/ping`, {}, pems.cert);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("strict-transport-security"), "max-age=31536000");
    } finally {
      await p.stop();
    }
  });

  it("fails the start with one line when the key does not belong to the certificate", async () => {
    const [a, b] = [await selfSigned(), await selfSigned()];
    const tls = writeApp({ "cert.pem": a.cert, "key.pem": b.private });
    const app = writeApp(APP);
    const r = cli(["up", app, "--port", "0", "--data", join(app, ".data"), "--tls-cert", join(tls, "cert.pem"), "--tls-key", join(tls, "key.pem")]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^bulwark: --tls-key does not belong to the certificate in .*cert\.pem$/m);
  });

  it("refuses --tls with anything but dev, and a certificate without its key", () => {
    assert.match(cli(["up", "--tls", "prod"]).stderr, /--tls takes only "dev"/);
    assert.match(cli(["up", "--tls-cert", "x.pem"]).stderr, /--tls-cert and --tls-key go together/);
  });
});

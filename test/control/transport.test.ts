// The CLI's transport to the control API: over https it accepts exactly the certificate it was told
// to trust (a pinned fingerprint, a CA file, else the system's CAs) and, when the server presents
// another one, drops the connection before any of the request, bearer token included, is sent.
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { writeFileSync, mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { generate } from "selfsigned";
import { isBulwarkError } from "../../src/core/errors.ts";
import { exchange, parseFingerprint, trustOf, type ServerTrust } from "../../src/control/transport.ts";

async function certificate() {
  return generate([{ name: "commonName", value: "localhost" }], {
    keyType: "ec",
    algorithm: "sha256",
    extensions: [{ name: "subjectAltName", altNames: [{ type: 7, ip: "127.0.0.1" }] }],
  });
}

const TOKEN = { authorization: "Bearer must-not-leak" };

describe("exchange over https", () => {
  let server: Server;
  let url: string;
  let served: { cert: string; private: string };
  let other: { cert: string; private: string };
  const seen: string[] = [];

  before(async () => {
    [served, other] = [await certificate(), await certificate()];
    server = createServer({ cert: served.cert, key: served.private }, (req, res) => {
      seen.push(req.headers.authorization ?? "");
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1/x`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const call = (trust?: ServerTrust) => exchange(url, { method: "GET", headers: TOKEN }, trust);
  const refusedUnsent = async (trust: ServerTrust | undefined, message: RegExp) => {
    const before = seen.length;
    await assert.rejects(call(trust), (e) => isBulwarkError(e) && e.code === "BWK_CERT_UNTRUSTED" && message.test(e.message) && !e.message.includes("\n"));
    assert.equal(seen.length, before, "the server received nothing");
  };

  it("accepts the pinned certificate, whatever its issuer", async () => {
    const res = await call({ fingerprint256: new X509Certificate(served.cert).fingerprint256 });
    assert.deepEqual([res.status, res.body, seen.at(-1)], [200, '{"ok":true}', TOKEN.authorization]);
  });

  it("accepts a certificate that chains to the given CA", async () => {
    assert.equal((await call({ ca: served.cert })).status, 200);
  });

  it("attack: a server with another certificate than the pinned one gets no request", async () => {
    await refusedUnsent({ fingerprint256: new X509Certificate(other.cert).fingerprint256 }, /presented the certificate with SHA-256 [0-9A-F:]{95}, not the pinned/);
  });

  it("attack: a server whose certificate the CA did not issue gets no request", async () => {
    await refusedUnsent({ ca: other.cert }, /presented a certificate that is not trusted/);
  });

  it("never falls back to no verification: without a trust the system's CAs decide, and refuse a self-signed certificate", async () => {
    await refusedUnsent(undefined, /not trusted/);
  });
});

describe("parseFingerprint and trustOf", () => {
  const hex = "ab".repeat(32);
  const canonical = "AB:".repeat(31) + "AB";

  it("reads sha256: with or without colons, in any case, as Node prints fingerprints", () => {
    assert.equal(parseFingerprint(`sha256:${hex}`), canonical);
    assert.equal(parseFingerprint(`SHA256:${canonical.toLowerCase()}`), canonical);
    for (const bad of [hex, `sha256:${hex}ab`, `sha256:${hex.slice(2)}`, "sha256:zz", `sha1:${hex}`]) assert.equal(parseFingerprint(bad), null, bad);
  });

  it("takes a fingerprint, or a PEM file relative to the working dir; anything else is a usage error", async () => {
    assert.deepEqual(trustOf(`sha256:${hex}`, "/"), { fingerprint256: canonical });
    const dir = mkdtempSync(join(tmpdir(), "bulwark-ca-"));
    const { cert } = await certificate();
    writeFileSync(join(dir, "ca.pem"), cert);
    writeFileSync(join(dir, "junk.pem"), "not a certificate");
    assert.deepEqual(trustOf("ca.pem", dir), { ca: cert });
    for (const bad of ["sha256:12", "junk.pem", "missing.pem"]) assert.throws(() => trustOf(bad, dir), (e) => isBulwarkError(e) && e.code === "BWK_USAGE", bad);
  });
});

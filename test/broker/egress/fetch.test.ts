// ctx.fetch as the broker performs it, against local servers: the connection goes to the address
// that was checked (the name is never resolved again), TLS is verified against the URL's host,
// redirects come back unfollowed, and size and time are bounded.
import assert from "node:assert/strict";
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { generate } from "selfsigned";
import { checkEgressUrl, type LookupAll } from "../../../src/broker/egress/address.ts";
import { type EgressOptions, performFetch } from "../../../src/broker/egress/fetch.ts";
import type { WireRequest } from "../../../src/sandbox/protocol.ts";

const seen: Array<{ host: string | undefined; method: string | undefined; body: string; headers: Record<string, unknown> }> = [];
let http: Server;
let https: Server;
let httpPort = 0;
let httpsPort = 0;
let ca = "";

async function cert(name: string): Promise<{ cert: string; private: string }> {
  return generate([{ name: "commonName", value: name }], {
    keyType: "ec",
    curve: "P-256",
    algorithm: "sha256",
    extensions: [
      { name: "basicConstraints", cA: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: name }] },
    ],
  }) as unknown as Promise<{ cert: string; private: string }>;
}

function handler(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse): void {
  let body = "";
  req.on("data", (d: Buffer) => (body += d.toString()));
  req.on("end", () => {
    seen.push({ host: req.headers.host, method: req.method, body, headers: req.headers });
    if (req.url === "/redirect") {
      res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" });
      return res.end();
    }
    if (req.url === "/big") return res.end("x".repeat(2048));
    if (req.url === "/slow") return setTimeout(() => res.end("late"), 5_000).unref();
    res.writeHead(200, { "content-type": "text/plain", "x-upstream": "yes" });
    res.end(`hello ${req.method}`);
  });
}

before(async () => {
  const pems = await cert("api.test");
  ca = pems.cert;
  http = createHttpServer(handler);
  https = createHttpsServer({ cert: pems.cert, key: pems.private }, handler);
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => https.listen(0, "127.0.0.1", r));
  httpPort = (http.address() as AddressInfo).port;
  httpsPort = (https.address() as AddressInfo).port;
});
after(() => {
  http.closeAllConnections();
  https.closeAllConnections();
  http.close();
  https.close();
});

const options = (extra: Partial<EgressOptions> = {}): EgressOptions => ({ timeoutMs: 2_000, requestMaxBytes: 1024, responseMaxBytes: 1024, ...extra });
const request = (url: string, extra: Partial<WireRequest> = {}): WireRequest => ({ url, method: "GET", headers: [], body: null, ...extra });

/** A resolver that answers 127.0.0.1 for api.test once, and fails every later lookup: a rebinding resolver that is never asked twice. */
function onceLookup(): LookupAll & { calls: number } {
  let calls = 0;
  const lookup: LookupAll = async (hostname) => {
    calls++;
    if (hostname !== "api.test" || calls > 1) throw Object.assign(new Error("NXDOMAIN"), { code: "ENOTFOUND" });
    return [{ address: "127.0.0.1", family: 4 }];
  };
  return Object.defineProperty(lookup, "calls", { get: () => calls }) as LookupAll & { calls: number };
}

async function fetchVia(url: string, grants: string[], lookup: LookupAll, extra: Partial<EgressOptions> = {}, init: Partial<WireRequest> = {}) {
  const target = await checkEgressUrl(url, grants, lookup);
  return performFetch(request(url, init), target, options(extra), Date.now() + 10_000);
}

describe("egress fetch", () => {
  it("connects to the checked address with the URL's host for SNI, certificate and Host header, resolving once", async () => {
    const lookup = onceLookup();
    const grants = [`api.test:${httpsPort}`, `127.0.0.1:${httpsPort}`];
    const response = await fetchVia(`https://api.test:${httpsPort}/hello`, grants, lookup, { ca });
    assert.equal(response.status, 200);
    assert.equal(Buffer.from(response.body, "base64").toString(), "hello GET");
    assert.ok(response.headers.some(([k, v]) => k === "x-upstream" && v === "yes"));
    assert.equal(seen.at(-1)?.host, `api.test:${httpsPort}`);
    assert.equal(lookup.calls, 1);
  });

  it("verifies TLS: a certificate nobody trusts is refused", async () => {
    const grants = [`api.test:${httpsPort}`, `127.0.0.1:${httpsPort}`];
    await assert.rejects(fetchVia(`https://api.test:${httpsPort}/`, grants, onceLookup()), (e: unknown) => {
      const err = e as { code: string; extra: Record<string, unknown> };
      return err.code === "BWK_EGRESS_FAILED" && err.extra["tls"] === true;
    });
  });

  it("verifies the certificate's name against the URL's host, not the address connected to", async () => {
    const lookup: LookupAll = async () => [{ address: "127.0.0.1", family: 4 }];
    const grants = [`other.test:${httpsPort}`, `127.0.0.1:${httpsPort}`];
    await assert.rejects(fetchVia(`https://other.test:${httpsPort}/`, grants, lookup, { ca }), { code: "BWK_EGRESS_FAILED" });
  });

  it("sends method, body and headers, but not the function's Host or hop-by-hop headers", async () => {
    const grants = [`127.0.0.1:${httpPort}`];
    const body = Buffer.from("payload").toString("base64");
    const headers: [string, string][] = [["x-trace", "abc"], ["host", "evil.example"], ["connection", "upgrade"], ["transfer-encoding", "chunked"]];
    const response = await fetchVia(`http://127.0.0.1:${httpPort}/post`, grants, onceLookup(), {}, { method: "POST", body, headers });
    assert.equal(Buffer.from(response.body, "base64").toString(), "hello POST");
    const last = seen.at(-1)!;
    assert.deepEqual([last.host, last.body, last.headers["x-trace"], last.headers["transfer-encoding"]], [`127.0.0.1:${httpPort}`, "payload", "abc", undefined]);
  });

  it("returns a redirect to the function instead of following it to an unchecked address", async () => {
    const response = await fetchVia(`http://127.0.0.1:${httpPort}/redirect`, [`127.0.0.1:${httpPort}`], onceLookup());
    assert.equal(response.status, 302);
    assert.equal(seen.at(-1)?.host, `127.0.0.1:${httpPort}`);
  });

  it("bounds the response size and the time", async () => {
    const grants = [`127.0.0.1:${httpPort}`];
    await assert.rejects(fetchVia(`http://127.0.0.1:${httpPort}/big`, grants, onceLookup()), { code: "BWK_LIMIT_EXCEEDED" });
    await assert.rejects(fetchVia(`http://127.0.0.1:${httpPort}/slow`, grants, onceLookup(), { timeoutMs: 100 }), { code: "BWK_EGRESS_FAILED" });
  });

  it("refuses oversized request bodies, unknown methods and header injection", async () => {
    const grants = [`127.0.0.1:${httpPort}`];
    const url = `http://127.0.0.1:${httpPort}/`;
    await assert.rejects(fetchVia(url, grants, onceLookup(), {}, { method: "POST", body: Buffer.alloc(2048).toString("base64") }), { code: "BWK_LIMIT_EXCEEDED" });
    await assert.rejects(fetchVia(url, grants, onceLookup(), {}, { method: "CONNECT" }), { code: "BWK_INVALID_ARGUMENT" });
    await assert.rejects(fetchVia(url, grants, onceLookup(), {}, { headers: [["x-a", "1\r\nx-injected: 1"]] }), { code: "BWK_INVALID_ARGUMENT" });
  });
});

// Who the client is: the socket's address, and X-Forwarded-For only through proxies --trust-proxy
// names (CWE-348: a client that writes the header itself proves nothing).
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { clientAddressOf, forwardingHeaders, ignoredForwardingHeaders, trustedProxies, type TrustedProxies } from "../../src/edge/client-ip.ts";

function req(peer: string, xff?: string | string[], headers: Record<string, string> = {}, socket: Record<string, unknown> = {}): IncomingMessage {
  return { socket: { remoteAddress: peer, localPort: 8080, ...socket }, headers: { ...headers, ...(xff === undefined ? {} : { "x-forwarded-for": xff }) } } as unknown as IncomingMessage;
}

const clientIpOf = (r: IncomingMessage, trusted: TrustedProxies | undefined) => clientAddressOf(r, trusted).ip;

describe("clientAddressOf", () => {
  const trusted = trustedProxies(["10.0.0.0/8", "::1"]);

  it("is the socket's address when no proxy is trusted, whatever the header says", () => {
    assert.equal(clientIpOf(req("203.0.113.7", "198.51.100.1"), undefined), "203.0.113.7");
    assert.equal(trustedProxies([]), undefined);
  });

  it("ignores the header from a peer that is not a trusted proxy", () => {
    assert.equal(clientIpOf(req("203.0.113.7", "198.51.100.1"), trusted), "203.0.113.7");
  });

  it("takes the rightmost address that is not a trusted proxy", () => {
    assert.equal(clientIpOf(req("10.0.0.2", "198.51.100.1"), trusted), "198.51.100.1");
    // The client wrote 1.2.3.4 itself; the proxy appended what it saw.
    assert.equal(clientIpOf(req("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.9"), trusted), "198.51.100.1");
    assert.equal(clientIpOf(req("::1", ["1.2.3.4", "2001:db8::5"]), trusted), "2001:db8::5");
  });

  it("stops at a malformed hop instead of trusting what is left of it", () => {
    assert.equal(clientIpOf(req("10.0.0.2", "1.2.3.4, not-an-ip"), trusted), "10.0.0.2");
    assert.equal(clientIpOf(req("10.0.0.2", "1.2.3.4, 10.0.0.5, 198.51.100.1:80"), trusted), "10.0.0.2");
  });

  it("uses the last trusted hop when every hop is a trusted proxy", () => {
    assert.equal(clientIpOf(req("10.0.0.2", "10.0.0.3, 10.0.0.4"), trusted), "10.0.0.3");
    assert.equal(clientIpOf(req("10.0.0.2"), trusted), "10.0.0.2");
  });
});

describe("forwardingHeaders (what the function sees)", () => {
  const trusted = trustedProxies(["10.0.0.0/8"]);
  const spoofed = {
    forwarded: "for=127.0.0.1;host=admin.internal;proto=https",
    "x-forwarded-host": "evil.example",
    "x-forwarded-proto": "https",
    "x-forwarded-port": "443",
    "x-real-ip": "127.0.0.1",
    "x-client-ip": "127.0.0.1",
    "true-client-ip": "127.0.0.1",
  };

  it("replaces what a client wrote with the edge's own values, and names what it ignored", () => {
    const r = req("203.0.113.7", "127.0.0.1", spoofed);
    const client = clientAddressOf(r, trusted);
    assert.deepEqual(forwardingHeaders(r, client), { "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "http", "x-forwarded-port": "8080" });
    assert.deepEqual(ignoredForwardingHeaders(r, client).sort(), [...Object.keys(spoofed), "x-forwarded-for"].sort());
  });

  it("says https on a TLS listener", () => {
    const r = req("203.0.113.7", undefined, {}, { encrypted: true, localPort: 8443 });
    assert.deepEqual(forwardingHeaders(r, clientAddressOf(r, undefined)), { "x-forwarded-for": "203.0.113.7", "x-forwarded-proto": "https", "x-forwarded-port": "8443" });
  });

  it("has nothing to ignore from a client that sent no forwarding header", () => {
    const r = req("203.0.113.7", undefined, { "user-agent": "curl/8" });
    assert.deepEqual(ignoredForwardingHeaders(r, clientAddressOf(r, undefined)), []);
  });

  it("believes a trusted proxy: the chain from the client on, its host and scheme", () => {
    // 1.2.3.4 was written by the client; 198.51.100.1 is what the first trusted proxy saw.
    const r = req("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.9", { "x-forwarded-host": "shop.example.com", "x-forwarded-proto": "https", "x-real-ip": "198.51.100.1" });
    const client = clientAddressOf(r, trusted);
    assert.deepEqual(client, { ip: "198.51.100.1", chain: ["198.51.100.1", "10.0.0.9", "10.0.0.2"], viaTrustedProxy: true });
    assert.deepEqual(forwardingHeaders(r, client), {
      "x-forwarded-for": "198.51.100.1, 10.0.0.9, 10.0.0.2",
      "x-forwarded-host": "shop.example.com",
      "x-forwarded-proto": "https",
      "x-real-ip": "198.51.100.1",
      "x-forwarded-port": "8080",
    });
    assert.deepEqual(ignoredForwardingHeaders(r, client), []);
  });

  it("starts the chain at the peer when a trusted proxy's header is malformed", () => {
    const r = req("10.0.0.2", "1.2.3.4, not-an-ip");
    assert.deepEqual(clientAddressOf(r, trusted).chain, ["10.0.0.2"]);
  });
});

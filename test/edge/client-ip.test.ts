// Who the client is: the socket's address, and X-Forwarded-For only through proxies --trust-proxy
// names (CWE-348: a client that writes the header itself proves nothing).
import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import { clientIpOf, trustedProxies } from "../../src/edge/client-ip.ts";

function req(peer: string, xff?: string | string[]): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers: xff === undefined ? {} : { "x-forwarded-for": xff } } as unknown as IncomingMessage;
}

describe("clientIpOf", () => {
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

// Address and CIDR parsing shared by the IP lists and the threat-intel importers.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { clientNetwork, coversMappedIpv4, formatV6, isLoopbackHost, parseAddress, parseCidr } from "../../src/core/ipaddr.ts";

describe("parseAddress", () => {
  it("parses IPv4", () => {
    assert.deepEqual(parseAddress("192.0.2.1"), { family: 4, value: 0xc0000201 });
    assert.deepEqual(parseAddress("255.255.255.255"), { family: 4, value: 0xffffffff });
  });

  it("parses IPv6 in every textual form (RFC 4291 §2.2)", () => {
    const expected = 0x20010db8000000000000000000000001n;
    for (const text of ["2001:db8::1", "2001:DB8:0:0:0:0:0:1", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8:0:0::0:1"]) {
      assert.deepEqual(parseAddress(text), { family: 6, value: expected }, text);
    }
    assert.deepEqual(parseAddress("::"), { family: 6, value: 0n });
    assert.deepEqual(parseAddress("::1"), { family: 6, value: 1n });
    assert.deepEqual(parseAddress("1::"), { family: 6, value: 1n << 112n });
    assert.deepEqual(parseAddress("64:ff9b::192.0.2.33"), { family: 6, value: 0x0064ff9b0000000000000000c0000221n });
  });

  it("reads IPv4-mapped IPv6 as its IPv4 address, in dotted and hex form", () => {
    assert.deepEqual(parseAddress("::ffff:192.0.2.1"), { family: 4, value: 0xc0000201 });
    assert.deepEqual(parseAddress("::FFFF:c000:201"), { family: 4, value: 0xc0000201 });
    assert.deepEqual(parseAddress("0:0:0:0:0:ffff:192.0.2.1"), { family: 4, value: 0xc0000201 });
  });

  it("keeps IPv4-compatible and NAT64 addresses as IPv6", () => {
    assert.equal(parseAddress("::192.0.2.1")?.family, 6);
    assert.equal(parseAddress("64:ff9b::c000:201")?.family, 6);
  });

  it("drops a zone id", () => {
    assert.deepEqual(parseAddress("fe80::1%eth0"), { family: 6, value: (0xfe80n << 112n) | 1n });
  });

  it("refuses what is not exactly an address", () => {
    for (const text of ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "010.0.0.1", " 1.2.3.4", "[::1]", "1.2.3.4/32", "::g", "1:2:3:4:5:6:7:8:9", "localhost"]) {
      assert.equal(parseAddress(text), null, JSON.stringify(text));
    }
  });
});

describe("parseCidr", () => {
  it("treats a single address as a full-length prefix", () => {
    assert.equal(parseCidr("198.51.100.7")?.text, "198.51.100.7/32");
    assert.equal(parseCidr("2001:db8::7")?.text, "2001:db8::7/128");
  });

  it("clears host bits and writes the canonical form", () => {
    assert.equal(parseCidr("10.1.2.3/8")?.text, "10.0.0.0/8");
    assert.equal(parseCidr("2001:DB8:0:0:1::/32")?.text, "2001:db8::/32");
    assert.equal(parseCidr("0.0.0.0/0")?.text, "0.0.0.0/0");
    assert.equal(parseCidr("::/0")?.text, "::/0");
  });

  it("turns an IPv4-mapped network into its IPv4 network", () => {
    assert.deepEqual(parseCidr("::ffff:10.0.0.0/104"), { family: 4, network: 0x0a000000, prefix: 8, text: "10.0.0.0/8" });
    assert.equal(parseCidr("::ffff:0:0/96")?.text, "0.0.0.0/0");
  });

  it("refuses bad prefixes and zone ids", () => {
    for (const text of ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "10.0.0.0/08x", "fe80::%eth0/64", "/8"]) {
      assert.equal(parseCidr(text), null, text);
    }
  });

  it("knows which IPv6 networks contain every IPv4-mapped address", () => {
    const cidr = (text: string) => parseCidr(text) ?? assert.fail(text);
    assert.equal(coversMappedIpv4(cidr("::/0")), true);
    assert.equal(coversMappedIpv4(cidr("::/80")), true);
    assert.equal(coversMappedIpv4(cidr("2001:db8::/32")), false);
    assert.equal(coversMappedIpv4(cidr("10.0.0.0/8")), false);
  });
});

describe("formatV6", () => {
  it("compresses the longest zero run, leftmost on ties, never a single group (RFC 5952 §4.2)", () => {
    assert.equal(formatV6(0x20010db8000000010000000000000001n), "2001:db8:0:1::1");
    assert.equal(formatV6(0x20010db8000000000001000000000001n), "2001:db8::1:0:0:1");
    assert.equal(formatV6(0x20010db8000100010001000100010001n), "2001:db8:1:1:1:1:1:1");
    assert.equal(formatV6(0x20010db8000000010001000100010001n), "2001:db8:0:1:1:1:1:1");
  });
});

describe("isLoopbackHost", () => {
  it("knows loopback names and addresses, bare or bracketed as in a URL", () => {
    for (const host of ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]", "::ffff:127.0.0.1"]) assert.equal(isLoopbackHost(host), true, host);
  });

  it("treats every other host as leaving the machine, wildcard addresses included", () => {
    for (const host of ["0.0.0.0", "::", "[::]", "10.0.0.1", "128.0.0.1", "localhost.example.com", "::2", "[::1", ""]) assert.equal(isLoopbackHost(host), false, host);
  });
});

describe("clientNetwork", () => {
  it("keys IPv4 by its address and IPv6 by its /64, so hopping inside one subnet is one client", () => {
    assert.equal(clientNetwork("192.0.2.7"), "192.0.2.7");
    assert.equal(clientNetwork("::ffff:192.0.2.7"), "192.0.2.7");
    assert.equal(clientNetwork("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
    assert.equal(clientNetwork("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64");
    assert.equal(clientNetwork("unknown"), "unknown");
  });
});

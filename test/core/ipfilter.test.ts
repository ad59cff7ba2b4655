// IP allow and deny lists: single addresses and CIDRs, IPv4 and IPv6, expiry, updates.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileIpFilter } from "../../src/core/ipfilter.ts";

const NOW = 1_700_000_000_000;

describe("IP deny list", () => {
  const filter = compileIpFilter({
    deny: ["203.0.113.7", "198.51.100.0/24", "2001:db8:bad::/48", { cidr: "192.0.2.0/25", source: "feed:abuse" }],
  });

  it("refuses a listed address, naming the entry", () => {
    assert.deepEqual(filter.decide("203.0.113.7", NOW), { allowed: false, reason: "deny-list", entry: "203.0.113.7/32" });
  });

  it("refuses every address in a listed CIDR, and only those", () => {
    assert.equal(filter.decide("198.51.100.0", NOW).allowed, false);
    assert.equal(filter.decide("198.51.100.255", NOW).allowed, false);
    assert.equal(filter.decide("198.51.101.0", NOW).allowed, true);
    assert.equal(filter.decide("192.0.2.127", NOW).source, "feed:abuse");
    assert.equal(filter.decide("192.0.2.128", NOW).allowed, true);
  });

  it("lets unlisted addresses through when there is no allow list", () => {
    assert.deepEqual(filter.decide("203.0.113.8", NOW), { allowed: true });
  });

  it("matches IPv6 in any spelling", () => {
    for (const ip of ["2001:db8:bad::1", "2001:DB8:BAD:0:0:0:0:1", "2001:0db8:0bad:ffff:ffff:ffff:ffff:ffff", "2001:db8:bad::1%eth0"]) {
      assert.equal(filter.decide(ip, NOW).reason, "deny-list", ip);
    }
    assert.equal(filter.decide("2001:db8:bae::1", NOW).allowed, true);
  });

  it("matches an IPv4-mapped IPv6 client against IPv4 rules (dual-stack sockets)", () => {
    assert.equal(filter.decide("::ffff:203.0.113.7", NOW).reason, "deny-list");
    assert.equal(filter.decide("::ffff:c633:6401", NOW).reason, "deny-list"); // 198.51.100.1
    assert.equal(filter.decide("0:0:0:0:0:ffff:203.0.113.7", NOW).entry, "203.0.113.7/32");
  });

  it("matches an IPv4 client against IPv4-mapped IPv6 rules", () => {
    const mapped = compileIpFilter({ deny: ["::ffff:10.0.0.0/104", "::ffff:192.0.2.9"] });
    assert.equal(mapped.decide("10.20.30.40", NOW).entry, "10.0.0.0/8");
    assert.equal(mapped.decide("192.0.2.9", NOW).reason, "deny-list");
    assert.equal(mapped.decide("11.0.0.1", NOW).allowed, true);
  });

  it("does not confuse IPv4-compatible or NAT64 IPv6 with IPv4", () => {
    assert.equal(filter.decide("::203.0.113.7", NOW).allowed, true);
    assert.equal(filter.decide("64:ff9b::203.0.113.7", NOW).allowed, true);
  });

  it("reports the most specific live entry", () => {
    const nested = compileIpFilter({ deny: ["10.0.0.0/8", "10.1.0.0/16", "10.1.2.3"] });
    assert.equal(nested.decide("10.1.2.3", NOW).entry, "10.1.2.3/32");
    assert.equal(nested.decide("10.1.9.9", NOW).entry, "10.1.0.0/16");
    assert.equal(nested.decide("10.9.9.9", NOW).entry, "10.0.0.0/8");
  });

  it("blocks everything, IPv4 included, with ::/0 or 0.0.0.0/0", () => {
    const all6 = compileIpFilter({ deny: ["::/0"] });
    assert.equal(all6.decide("2001:db8::1", NOW).reason, "deny-list");
    assert.equal(all6.decide("192.0.2.1", NOW).entry, "::/0");
    assert.equal(all6.size.deny, 1);
    const all4 = compileIpFilter({ deny: ["0.0.0.0/0"] });
    assert.equal(all4.decide("192.0.2.1", NOW).reason, "deny-list");
    assert.equal(all4.decide("2001:db8::1", NOW).allowed, true);
  });
});

describe("IP allow list", () => {
  const filter = compileIpFilter({ allow: ["10.0.0.0/8", "2001:db8::/32"], deny: ["10.6.6.6"] });

  it("lets listed addresses through, naming the entry", () => {
    assert.deepEqual(filter.decide("10.1.2.3", NOW), { allowed: true, entry: "10.0.0.0/8" });
    assert.equal(filter.decide("2001:db8:1::1", NOW).allowed, true);
    assert.equal(filter.decide("::ffff:10.1.2.3", NOW).allowed, true);
  });

  it("refuses everything else", () => {
    assert.deepEqual(filter.decide("192.0.2.1", NOW), { allowed: false, reason: "not-on-allow-list" });
    assert.equal(filter.decide("2001:db9::1", NOW).reason, "not-on-allow-list");
  });

  it("lets the deny list win over the allow list", () => {
    assert.equal(filter.decide("10.6.6.6", NOW).reason, "deny-list");
  });

  it("fails closed when every allow entry has expired", () => {
    const expiring = compileIpFilter({ allow: [{ cidr: "10.0.0.0/8", expiresAt: NOW }] });
    assert.equal(expiring.decide("10.0.0.1", NOW - 1).allowed, true);
    assert.equal(expiring.decide("10.0.0.1", NOW).reason, "not-on-allow-list");
  });
});

describe("IP list expiry", () => {
  const filter = compileIpFilter({ deny: [{ cidr: "203.0.113.0/24", expiresAt: NOW + 1000 }] });

  it("applies an entry until its expiry and not from that instant on", () => {
    assert.equal(filter.decide("203.0.113.5", NOW).allowed, false);
    assert.equal(filter.decide("203.0.113.5", NOW + 999).allowed, false);
    assert.equal(filter.decide("203.0.113.5", NOW + 1000).allowed, true);
  });

  it("falls back to a broader live entry when the specific one has expired", () => {
    const layered = compileIpFilter({ deny: [{ cidr: "203.0.113.5", expiresAt: NOW }, "203.0.0.0/16"] });
    assert.equal(layered.decide("203.0.113.5", NOW).entry, "203.0.0.0/16");
  });

  it("uses a live duplicate when another copy of the entry has expired", () => {
    const twice = compileIpFilter({ deny: [{ cidr: "203.0.113.5", expiresAt: NOW, source: "old" }, { cidr: "203.0.113.5", source: "new" }] });
    assert.equal(twice.decide("203.0.113.5", NOW).source, "new");
  });
});

describe("IP filter input checks", () => {
  it("refuses a request address it cannot parse (fail closed)", () => {
    const open = compileIpFilter({});
    for (const ip of ["", "garbage", "1.2.3.4.5", "[::1]", "010.0.0.1", "1.2.3.4 "]) {
      assert.deepEqual(open.decide(ip, NOW), { allowed: false, reason: "invalid-address" }, ip);
    }
  });

  it("refuses a bad entry with BWK_INVALID_ARGUMENT", () => {
    assert.throws(() => compileIpFilter({ deny: ["10.0.0.0/33"] }), { code: "BWK_INVALID_ARGUMENT" });
    assert.throws(() => compileIpFilter({ allow: ["example.com"] }), { code: "BWK_INVALID_ARGUMENT" });
    assert.throws(() => compileIpFilter({ deny: [{ cidr: "10.0.0.1", expiresAt: Number.NaN }] }), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("tolerates surrounding spaces in configured entries", () => {
    assert.equal(compileIpFilter({ deny: [" 10.0.0.1 "] }).decide("10.0.0.1", NOW).allowed, false);
  });
});

describe("IpFilter.with", () => {
  const base = compileIpFilter({ deny: ["10.0.0.0/8", "192.0.2.1"] });

  it("adds and removes entries in a new filter, leaving the old one unchanged", () => {
    const next = base.with({ deny: { add: ["198.51.100.1"], remove: ["10.0.0.0/8"] } });
    assert.equal(next.decide("198.51.100.1", NOW).allowed, false);
    assert.equal(next.decide("10.1.1.1", NOW).allowed, true);
    assert.equal(next.decide("192.0.2.1", NOW).allowed, false);
    assert.equal(base.decide("10.1.1.1", NOW).allowed, false);
    assert.equal(base.decide("198.51.100.1", NOW).allowed, true);
    assert.deepEqual(next.size, { allow: 0, deny: 2 });
  });

  it("removes by network, whatever the spelling", () => {
    const next = base.with({ deny: { remove: ["10.9.9.9/8", "::ffff:192.0.2.1"] } });
    assert.deepEqual(next.size, { allow: 0, deny: 0 });
    assert.equal(next.decide("192.0.2.1", NOW).allowed, true);
  });

  it("turns allow-list mode on and off", () => {
    const allowOnly = base.with({ allow: { add: ["203.0.113.0/24"] } });
    assert.equal(allowOnly.decide("8.8.8.8", NOW).reason, "not-on-allow-list");
    assert.equal(allowOnly.with({ allow: { remove: ["203.0.113.0/24"] } }).decide("8.8.8.8", NOW).allowed, true);
  });

  it("removes an IPv6 entry that also covered IPv4", () => {
    const all = compileIpFilter({ deny: ["::/0"] }).with({ deny: { remove: ["::/0"] } });
    assert.equal(all.decide("192.0.2.1", NOW).allowed, true);
    assert.deepEqual(all.size, { allow: 0, deny: 0 });
  });

  it("ignores removal of an entry that is not there", () => {
    assert.deepEqual(base.with({ deny: { remove: ["203.0.113.1"] } }).size, base.size);
  });
});

describe("IP filter scale", () => {
  it("compiles a 100,000-entry feed and answers from it", () => {
    const deny = Array.from({ length: 100_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    deny.push("2001:db8::/32", "172.16.0.0/12");
    const filter = compileIpFilter({ deny });
    assert.equal(filter.decide("10.1.134.159", NOW).entry, "10.1.134.159/32");
    assert.equal(filter.decide("10.2.0.0", NOW).allowed, true);
    assert.equal(filter.decide("172.31.255.255", NOW).entry, "172.16.0.0/12");
    assert.equal(filter.size.deny, 100_002);
  });
});

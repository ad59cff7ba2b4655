import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { blockedReason, linkScopeReason } from "../../src/core/blocked-addresses.ts";

const blocked: Array<[address: string, names: string]> = [
  ["127.0.0.1", "127.0.0.0/8"],
  ["127.255.255.254", "127.0.0.0/8"],
  ["10.1.2.3", "10.0.0.0/8"],
  ["172.16.0.1", "172.16.0.0/12"],
  ["172.31.255.255", "172.16.0.0/12"],
  ["192.168.1.1", "192.168.0.0/16"],
  ["169.254.169.254", "metadata"],
  ["169.254.1.1", "169.254.0.0/16"],
  ["168.63.129.16", "metadata"],
  ["192.0.0.192", "192.0.0.0/24"],
  ["100.64.0.1", "100.64.0.0/10"],
  ["100.100.100.200", "100.64.0.0/10"],
  ["100.127.255.255", "100.64.0.0/10"],
  ["0.0.0.0", "0.0.0.0/8"],
  ["0.1.2.3", "0.0.0.0/8"],
  ["224.0.0.1", "multicast"],
  ["239.255.255.250", "multicast"],
  ["255.255.255.255", "broadcast"],
  ["240.0.0.1", "240.0.0.0/4"],
  ["198.18.0.1", "198.18.0.0/15"],
  ["192.0.2.1", "192.0.2.0/24"],
  ["::", "::/128"],
  ["::1", "::1/128"],
  ["0:0:0:0:0:0:0:1", "::1/128"],
  ["::ffff:127.0.0.1", "IPv4-mapped form of 127.0.0.1"],
  ["::ffff:7f00:1", "IPv4-mapped form of 127.0.0.1"],
  ["0:0:0:0:0:ffff:7f00:0001", "IPv4-mapped form of 127.0.0.1"],
  ["::ffff:169.254.169.254", "metadata"],
  ["::ffff:a9fe:a9fe", "metadata"],
  ["::ffff:10.0.0.1", "10.0.0.0/8"],
  ["::ffff:0:7f00:1", "IPv4-translated form of 127.0.0.1"],
  ["::ffff:0:10.0.0.1", "IPv4-translated form of 10.0.0.1"],
  ["64:ff9b::127.0.0.1", "NAT64 form of 127.0.0.1"],
  ["64:ff9b::a9fe:a9fe", "NAT64 form of 169.254.169.254"],
  ["64:ff9b:1::1", "64:ff9b:1::/48"],
  ["2002:7f00:1::", "6to4 form of 127.0.0.1"],
  ["2002:a9fe:a9fe::1", "6to4 form of 169.254.169.254"],
  ["2002:0a00:0001::", "6to4 form of 10.0.0.1"],
  ["::127.0.0.1", "::/96"],
  ["::7f00:1", "::/96"],
  ["::8.8.8.8", "::/96"],
  ["fc00::1", "fc00::/7"],
  ["fd12:3456::1", "fc00::/7"],
  ["fd00:ec2::254", "metadata"],
  ["fe80::1", "fe80::/10"],
  ["febf::1", "fe80::/10"],
  ["fec0::1", "fec0::/10"],
  ["ff02::1", "multicast"],
  ["ff05::2", "multicast"],
  ["2001:db8::1", "2001:db8::/32"],
  ["3fff::1", "3fff::/20"],
  ["2001::1", "Teredo"],
  ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"],
  ["2001:10::1", "2001::/23"],
  ["100::1", "100::/64"],
  ["fe80::1%eth0", "not a global IP address"],
  ["", "not a global IP address"],
  ["localhost", "not a global IP address"],
  ["1.2.3", "not a global IP address"],
  ["0x7f.0.0.1", "not a global IP address"],
  ["2130706433", "not a global IP address"],
];

const allowed = [
  "8.8.8.8",
  "1.1.1.1",
  "93.184.216.34",
  "11.0.0.1",
  "126.255.255.255",
  "128.0.0.1",
  "172.15.255.255",
  "172.32.0.0",
  "100.63.255.255",
  "100.128.0.0",
  "169.253.255.255",
  "192.169.0.1",
  "223.255.255.255",
  "2606:4700:4700::1111",
  "2001:4860:4860::8888",
  "2a00:1450:4001::1",
  "::ffff:8.8.8.8",
  "::ffff:808:808",
  "64:ff9b::808:808",
  "2002:808:808::1",
];

describe("blockedReason", () => {
  for (const [address, names] of blocked) {
    test(`refuses ${JSON.stringify(address)}`, () => {
      const reason = blockedReason(address);
      assert.notEqual(reason, null);
      assert.ok(reason?.includes(names), reason ?? "");
    });
  }
  for (const address of allowed) {
    test(`allows ${address}`, () => assert.equal(blockedReason(address), null));
  }
});

describe("linkScopeReason", () => {
  const linkScoped: Array<[address: string, names: string]> = [
    ["169.254.169.254", "cloud metadata endpoint"],
    ["169.254.1.1", "link-local"],
    ["168.63.129.16", "metadata"],
    ["fe80::1", "link-local"],
    ["febf::1", "link-local"],
    ["fe80::1%eth0", "not a global IP address"],
    ["fd00:ec2::254", "cloud metadata endpoint"],
    ["::ffff:169.254.169.254", "IPv4-mapped form of 169.254.169.254"],
    ["::ffff:a9fe:a9fe", "metadata"],
    ["64:ff9b::a9fe:a9fe", "NAT64 form"],
    ["2002:a9fe:a9fe::1", "6to4 form"],
    ["not-an-address", "not a global IP address"],
  ];
  for (const [address, names] of linkScoped) {
    test(`refuses ${JSON.stringify(address)}`, () => assert.ok(linkScopeReason(address)?.includes(names), String(linkScopeReason(address))));
  }
  // A SIEM on loopback or the LAN is the common case, and public ones are fine.
  for (const address of ["127.0.0.1", "::1", "10.1.2.3", "192.168.1.20", "172.16.0.1", "fd00::5", "fd00:ec2::253", "100.64.0.1", "8.8.8.8", "2606:4700:4700::1111"]) {
    test(`allows ${address}`, () => assert.equal(linkScopeReason(address), null));
  }
});

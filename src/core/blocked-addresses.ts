// Addresses a function's egress must never reach, whatever name led there: the host itself, its
// private networks and cloud metadata endpoints (SSRF, CWE-918). Special-purpose ranges from the
// IANA registries (RFC 6890) that are not globally reachable, plus the IPv6 forms that carry an
// IPv4 address inside (mapped, SIIT, NAT64, 6to4), which are checked as that IPv4 address.
// Pure (node:net and ipaddr.ts): the broker's egress check and the SIEM sinks' share it.
//
// Some of these ranges are link-scoped: link-local addresses and the cloud metadata endpoints
// answer only on the machine's own link, and the metadata service hands out the host's cloud
// credentials. A destination the operator configures for the platform itself (a SIEM sink) may be
// on loopback or the LAN, but never there (linkScopeReason).

import { BlockList, isIPv4, isIPv6 } from "node:net";
import { formatV4, parseV6 } from "./ipaddr.ts";

interface Range {
  cidr: string;
  name: string;
  list: BlockList;
  linkScope: boolean;
}

/** Why an address is refused, and whether that reason is one of the link-scoped ranges. */
interface Refusal {
  reason: string;
  linkScope: boolean;
}

const LINK = "link-scope";

function ranges(family: "ipv4" | "ipv6", table: ReadonlyArray<readonly [cidr: string, name: string, scope?: typeof LINK]>): Range[] {
  return table.map(([cidr, name, scope]) => {
    const [network = "", prefix = ""] = cidr.split("/");
    const list = new BlockList();
    list.addSubnet(network, Number(prefix), family);
    return { cidr, name, list, linkScope: scope === LINK };
  });
}

// Most specific first: the first match names the reason.
const IPV4 = ranges("ipv4", [
  ["169.254.169.254/32", "cloud metadata endpoint", LINK],
  ["168.63.129.16/32", "cloud metadata endpoint (Azure WireServer)", LINK],
  ["0.0.0.0/8", "unspecified, 'this network' (RFC 1122)"],
  ["10.0.0.0/8", "private network (RFC 1918)"],
  ["100.64.0.0/10", "carrier-grade NAT shared space (RFC 6598)"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local (RFC 3927)", LINK],
  ["172.16.0.0/12", "private network (RFC 1918)"],
  ["192.0.0.0/24", "IETF protocol assignments (RFC 6890)"],
  ["192.0.2.0/24", "documentation (RFC 5737)"],
  ["192.88.99.0/24", "6to4 relay anycast (RFC 7526)"],
  ["192.168.0.0/16", "private network (RFC 1918)"],
  ["198.18.0.0/15", "benchmarking (RFC 2544)"],
  ["198.51.100.0/24", "documentation (RFC 5737)"],
  ["203.0.113.0/24", "documentation (RFC 5737)"],
  ["224.0.0.0/4", "multicast"],
  ["255.255.255.255/32", "broadcast"],
  ["240.0.0.0/4", "reserved (RFC 1112)"],
]);

const IPV6 = ranges("ipv6", [
  ["::/128", "unspecified"],
  ["::1/128", "loopback"],
  ["fd00:ec2::254/128", "cloud metadata endpoint", LINK],
  ["::/96", "IPv4-compatible, deprecated (RFC 4291 §2.5.5.1)"],
  ["64:ff9b:1::/48", "local-use NAT64 (RFC 8215)"],
  ["100::/64", "discard-only (RFC 6666)"],
  // Teredo hides its IPv4 addresses XOR-ed (RFC 4380 §4); refused rather than decoded.
  ["2001::/32", "Teredo tunnel (RFC 4380)"],
  ["2001::/23", "IETF protocol assignments (RFC 6890)"],
  ["2001:db8::/32", "documentation (RFC 3849)"],
  ["3fff::/20", "documentation (RFC 9637)"],
  ["fc00::/7", "unique local (RFC 4193)"],
  ["fe80::/10", "link-local", LINK],
  ["fec0::/10", "site-local, deprecated (RFC 3879)"],
  ["ff00::/8", "multicast"],
]);

/** Why `address` must not be reached, or null if it may be. Anything that is not an IP address is refused. */
export function blockedReason(address: string): string | null {
  return refusal(address)?.reason ?? null;
}

/**
 * Why `address` is link-local or a cloud metadata endpoint (in any IPv6 form that carries one), or
 * null for any other address, loopback and private ones included. Text that is no IP address, or
 * an IPv6 address with a zone id (a link's own scope), counts as link-scoped: refused.
 */
export function linkScopeReason(address: string): string | null {
  const found = refusal(address);
  return found?.linkScope === true ? found.reason : null;
}

function refusal(address: string): Refusal | null {
  if (isIPv4(address)) return match(IPV4, address, "ipv4");
  if (!isIPv6(address) || address.includes("%")) return { reason: "not a global IP address", linkScope: true };
  const direct = match(IPV6, address, "ipv6");
  if (direct !== null) return direct;
  const embedded = embeddedIPv4(parseV6(address));
  if (embedded === null) return null;
  const inner = match(IPV4, embedded.ipv4, "ipv4");
  return inner === null ? null : { reason: `${embedded.form} of ${embedded.ipv4}, ${inner.reason}`, linkScope: inner.linkScope };
}

function match(table: Range[], address: string, family: "ipv4" | "ipv6"): Refusal | null {
  const range = table.find(({ list }) => list.check(address, family));
  return range === undefined ? null : { reason: `${range.name}, ${range.cidr}`, linkScope: range.linkScope };
}

function embeddedIPv4(v6: bigint): { form: string; ipv4: string } | null {
  const ipv4 = (shift: bigint): string => formatV4(Number((v6 >> shift) & 0xffffffffn));
  const prefix96 = v6 >> 32n;
  // ::ffff:0:0/96 (RFC 4291 §2.5.5.2)
  if (prefix96 === 0xffffn) return { form: "IPv4-mapped form", ipv4: ipv4(0n) };
  // ::ffff:0:0:0/96 (RFC 6052 §2.1, SIIT)
  if (prefix96 === 0xffff0000n) return { form: "IPv4-translated form", ipv4: ipv4(0n) };
  // 64:ff9b::/96 (RFC 6052 §2.1)
  if (prefix96 === 0x64ff9b0000000000000000n) return { form: "NAT64 form", ipv4: ipv4(0n) };
  // 2002::/16 (RFC 3056 §2)
  if (v6 >> 112n === 0x2002n) return { form: "6to4 form", ipv4: ipv4(80n) };
  return null;
}

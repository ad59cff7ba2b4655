// Parsing of IP addresses and CIDR blocks into numbers, shared by the IP lists and the
// threat-intel importers. IPv4 is a 32-bit number, IPv6 a 128-bit bigint. An IPv4-mapped IPv6
// address (::ffff:a.b.c.d, RFC 4291 §2.5.5.2) IS its IPv4 address here: a dual-stack socket
// reports IPv4 clients that way, and a rule written for 1.2.3.4 must hold for them too.
import { isIP } from "node:net";

export type ParsedAddress = { family: 4; value: number } | { family: 6; value: bigint };

/** A network: the address with host bits cleared, its prefix length, and its canonical text. */
export type Cidr =
  | { family: 4; network: number; prefix: number; text: string }
  | { family: 6; network: bigint; prefix: number; text: string };

const V6_BITS = 128n;
const MAPPED_PREFIX = 0xffffn << 32n; // ::ffff:0:0/96

/**
 * Parses one address. Strict: leading zeros in IPv4 octets are refused (node's isIP refuses them,
 * and "010" means 8 to some parsers and 10 to others), as are brackets and surrounding spaces.
 * An IPv6 zone id (fe80::1%eth0) is dropped: zones are local and never part of a rule.
 */
export function parseAddress(text: string): ParsedAddress | null {
  const family = isIP(text);
  if (family === 4) return { family: 4, value: parseV4(text) };
  if (family !== 6) return null;
  const value = parseV6(text.split("%", 1)[0] ?? "");
  if (value >> 32n === 0xffffn) return { family: 4, value: Number(value & 0xffffffffn) };
  return { family: 6, value };
}

/** A URL's IPv6 host ("[::1]") as the address it names; any other host as it is. */
export function unbracketed(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/**
 * True for "localhost" and loopback addresses (127.0.0.0/8, ::1, ::ffff:127.x.y.z), written bare
 * or as a URL hostname ("[::1]"): the hosts whose traffic never leaves the machine.
 */
export function isLoopbackHost(host: string): boolean {
  if (host === "localhost") return true;
  const address = parseAddress(unbracketed(host));
  if (address === null) return false;
  return address.family === 4 ? address.value >>> 24 === 127 : address.value === 1n;
}

/**
 * The network one client stands for, as a counting key: an IPv4 address itself, an IPv6 address's
 * /64 (RFC 4291 §2.5.4: one subnet, which one host commonly holds whole and can hop around in).
 * Text that is no address is returned as it is.
 */
export function clientNetwork(address: string): string {
  // Without a colon the text is IPv4 (isIP accepts only the canonical spelling) or no address:
  // either way its own key, without a parse on the edge's per-request path.
  if (!address.includes(":")) return address;
  const parsed = parseAddress(address);
  if (parsed === null) return address;
  return parsed.family === 4 ? formatV4(parsed.value) : `${formatV6(maskV6(parsed.value, 64))}/64`;
}

/** Parses "a.b.c.d", "a.b.c.d/n", "v6" or "v6/n". Host bits below the prefix are cleared. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf("/");
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  if (addressText.includes("%")) return null; // a zone id makes no sense in a network
  const family = isIP(addressText);
  if (family === 0) return null;
  const max = family === 4 ? 32 : 128;
  let prefix = max;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > max) return null;
  }
  if (family === 4) return v4Cidr(parseV4(addressText), prefix);
  const value = parseV6(addressText);
  // ::ffff:10.0.0.0/104 is the IPv4 network 10.0.0.0/8.
  if (prefix >= 96 && value >> 32n === 0xffffn) return v4Cidr(Number(value & 0xffffffffn), prefix - 96);
  return v6Cidr(value, prefix);
}

/** True when an IPv6 network contains every IPv4-mapped address (e.g. ::/0, ::/80). */
export function coversMappedIpv4(cidr: Cidr): boolean {
  return cidr.family === 6 && cidr.prefix <= 96 && maskV6(MAPPED_PREFIX, cidr.prefix) === cidr.network;
}

export function maskV4(value: number, prefix: number): number {
  return prefix === 0 ? 0 : (value & (0xffffffff << (32 - prefix))) >>> 0;
}

export function maskV6(value: bigint, prefix: number): bigint {
  const hostBits = V6_BITS - BigInt(prefix);
  return (value >> hostBits) << hostBits;
}

function v4Cidr(value: number, prefix: number): Cidr {
  const network = maskV4(value, prefix);
  return { family: 4, network, prefix, text: `${formatV4(network)}/${prefix}` };
}

function v6Cidr(value: bigint, prefix: number): Cidr {
  const network = maskV6(value, prefix);
  return { family: 6, network, prefix, text: `${formatV6(network)}/${prefix}` };
}

/** Only called on text that isIP accepted. */
function parseV4(text: string): number {
  let value = 0;
  for (const octet of text.split(".")) value = value * 256 + Number(octet);
  return value;
}

/** The 128-bit value of text that isIP accepted as IPv6 (zone removed), an embedded dotted quad included. */
export function parseV6(text: string): bigint {
  let groups: string[];
  const lastColon = text.lastIndexOf(":");
  const tail = text.slice(lastColon + 1);
  let body = text;
  const extra: string[] = [];
  if (tail.includes(".")) {
    // Embedded dotted quad (RFC 4291 §2.2, form 3) supplies the last two groups.
    const v4 = parseV4(tail);
    extra.push((v4 >>> 16).toString(16), (v4 & 0xffff).toString(16));
    body = text.slice(0, lastColon + 1);
    if (body.endsWith(":") && !body.endsWith("::")) body = body.slice(0, -1);
  }
  const halves = body.split("::");
  if (halves.length === 2) {
    const head = halves[0] ? halves[0].split(":") : [];
    const rest = halves[1] ? halves[1].split(":") : [];
    const missing = 8 - head.length - rest.length - extra.length;
    groups = [...head, ...Array<string>(missing).fill("0"), ...rest, ...extra];
  } else {
    groups = [...body.split(":"), ...extra];
  }
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  return value;
}

export function formatV4(value: number): string {
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/** RFC 5952 §4 canonical text: lower case, no leading zeros, longest zero run (≥ 2) as "::". */
export function formatV6(value: bigint): string {
  const groups: number[] = [];
  for (let shift = 112n; shift >= 0n; shift -= 16n) groups.push(Number((value >> shift) & 0xffffn));
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) { bestStart = i; bestLength = j - i; }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLength).join(":")}`;
}

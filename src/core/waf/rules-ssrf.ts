// Server-side request forgery (CWE-918): URLs that point the server at itself, at a cloud
// metadata service, or at a scheme that talks to raw sockets or files. Hosts are judged the way
// URL parsers read them, so 2130706433, 0x7f.1, 0177.0.0.1 and [::ffff:7f00:1] are all 127.0.0.1.
// Private ranges (10/8, 192.168/16) are not flagged: self-hosted teams legitimately send internal
// webhook URLs, and egress is held to the manifest's allow-list by the broker anyway.
import { BlockList, isIP } from "node:net";
import { regexRule } from "./rule.ts";
import type { WafRule } from "./types.ts";

const INTERNAL = new BlockList();
INTERNAL.addSubnet("127.0.0.0", 8, "ipv4"); // loopback (RFC 1122 §3.2.1.3)
INTERNAL.addSubnet("0.0.0.0", 8, "ipv4"); // "this host": 0.0.0.0 reaches local listeners
INTERNAL.addSubnet("169.254.0.0", 16, "ipv4"); // link-local: AWS, GCP, Azure, OpenStack metadata
INTERNAL.addAddress("100.100.100.200", "ipv4"); // Alibaba Cloud metadata
INTERNAL.addSubnet("::", 96, "ipv6"); // ::, ::1 and deprecated IPv4-compatible ::a.b.c.d
INTERNAL.addSubnet("fe80::", 10, "ipv6"); // link-local
INTERNAL.addAddress("fd00:ec2::254", "ipv6"); // AWS metadata over IPv6
INTERNAL.addSubnet("64:ff9b::7f00:0", 104, "ipv6"); // NAT64 of 127.0.0.0/8 (RFC 6052)
INTERNAL.addSubnet("64:ff9b::a9fe:0", 112, "ipv6"); // NAT64 of 169.254.0.0/16

const INTERNAL_NAMES = new Set([
  "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback",
  "metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal",
  "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local",
  // Public DNS names that resolve to 127.0.0.1, used to slip past name checks.
  "localtest.me", "lvh.me", "vcap.me",
]);
const INTERNAL_SUFFIXES = [".localhost", ".localtest.me", ".lvh.me"];
// Wildcard DNS services: 127.0.0.1.nip.io resolves to 127.0.0.1.
const WILDCARD_DNS = /(?:^|[.-])(\d{1,3})[.-](\d{1,3})[.-](\d{1,3})[.-](\d{1,3})\.(?:nip\.io|sslip\.io|xip\.io)$/;

// WHATWG URL lets special schemes drop or double their slashes (http:127.0.0.1, http:\\x);
// any other scheme needs "//" to have a host. Protocol-relative "//host" counts at a value's
// start or after a quote, "=", "(", "/" (a URL pasted into a path) or a space.
const URL_START = /\b([a-z][a-z0-9+.-]{0,15}):([\\/]*)|(?:^|(?<=[\s"'=(/]))[\\/]{2}(?=[^\\/])/g;
const SPECIAL = new Set(["http", "https", "ws", "wss", "ftp"]);
// Authority as WHATWG reads it (backslash and "#" end it), and as lenient parsers do (both are
// data: http://evil.com#@127.0.0.1). Parsers disagree, so both readings are checked. Bounded:
// a host is at most 253 characters, and a longer userinfo is not a URL anyone means.
const AUTHORITY_WHATWG = /[^\\/?#\s"'<>]{0,1024}/y;
const AUTHORITY_LENIENT = /[^/?\s"'<>]{0,1024}/y;

function findInternalUrl(text: string): { index: number; length: number } | null {
  URL_START.lastIndex = 0;
  for (let m = URL_START.exec(text); m !== null; m = URL_START.exec(text)) {
    const scheme = m[1];
    if (scheme !== undefined && !SPECIAL.has(scheme) && (m[2] ?? "").length < 2) continue;
    const start = m.index + m[0].length;
    AUTHORITY_WHATWG.lastIndex = start;
    const whatwg = AUTHORITY_WHATWG.exec(text)?.[0] ?? "";
    AUTHORITY_LENIENT.lastIndex = start;
    const lenient = AUTHORITY_LENIENT.exec(text)?.[0] ?? "";
    if (isInternalAuthority(whatwg) || isInternalAuthority(lenient)) {
      return { index: m.index, length: m[0].length + Math.max(whatwg.length, lenient.length) };
    }
    // Skip the authority just read: scanning it again for schemes would make this quadratic.
    URL_START.lastIndex = Math.max(start + whatwg.length, URL_START.lastIndex);
  }
  return null;
}

/**
 * The host after the last "@" (as URL parsers read userinfo), and, when there are several, the
 * part after the first (as some libraries do: http://x@127.0.0.1:80@example.com/).
 */
function isInternalAuthority(authority: string): boolean {
  if (authority === "") return false;
  const last = authority.lastIndexOf("@");
  const first = authority.indexOf("@");
  return isInternalHost(authority.slice(last + 1)) || (first !== last && isInternalHost(authority.slice(first + 1, authority.indexOf("@", first + 1))));
}

function isInternalHost(hostAndPort: string): boolean {
  let host = hostAndPort.replace(/[\u3002\uff0e\uff61]/g, ".");
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    const inner = (end < 0 ? host.slice(1) : host.slice(1, end)).split("%", 1)[0] ?? "";
    return isIP(inner) === 6 && INTERNAL.check(inner, "ipv6");
  }
  const colon = host.indexOf(":");
  if (colon >= 0) host = host.slice(0, colon);
  if (host.endsWith(".")) host = host.slice(0, -1);
  if (INTERNAL_NAMES.has(host) || INTERNAL_SUFFIXES.some((suffix) => host.endsWith(suffix))) return true;
  const wildcard = WILDCARD_DNS.exec(host);
  if (wildcard) return isInternalIpv4(wildcard.slice(1, 5).map(Number));
  const numeric = parseNumericHost(host);
  return numeric !== null && INTERNAL.check(numeric, "ipv4");
}

function isInternalIpv4(octets: number[]): boolean {
  return octets.every((o) => o <= 255) && INTERNAL.check(octets.join("."), "ipv4");
}

const NUMBER_PART = /^(?:0x[0-9a-f]*|0[0-7]*|[1-9]\d*)$/;

/**
 * The IPv4 address a URL parser makes of a numeric host (WHATWG URL "IPv4 parser", as inet_aton):
 * 1 to 4 parts, each decimal, 0x-hex or 0-octal, the last filling the remaining bytes.
 */
function parseNumericHost(host: string): string | null {
  const parts = host.split(".");
  if (parts.length > 4 || !parts.every((part) => NUMBER_PART.test(part))) return null;
  const numbers = parts.map((part) =>
    part.startsWith("0x") ? (part.length === 2 ? 0 : Number.parseInt(part.slice(2), 16)) : part.length > 1 && part.startsWith("0") ? Number.parseInt(part, 8) : Number(part),
  );
  const last = numbers.pop() ?? 0;
  if (numbers.some((n) => n > 255) || last >= 256 ** (4 - numbers.length)) return null;
  let value = last;
  numbers.forEach((n, i) => {
    value += n * 256 ** (3 - i);
  });
  return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

export const SSRF_RULES: readonly WafRule[] = [
  regexRule(
    { id: "ssrf-001", class: "ssrf", description: "URL scheme that reaches files or raw sockets: file:, gopher://, dict://", cwe: "CWE-918" },
    "text",
    ["://", "jar:", "file:"],
    /\b(?:gopher|dict|ldaps?|tftp|netdoc|phar|expect|php|zip|glob|ssh2|rar):\/\/|\bjar:[a-z]{2,5}:|\bfile:[\\/]/,
  ),
  {
    id: "ssrf-002",
    class: "ssrf",
    description: "URL to loopback, link-local or a cloud metadata service, in any spelling of the address",
    cwe: "CWE-918",
    view: "text",
    needs: [":", "//", "\\\\", "/\\", "\\/"],
    find: findInternalUrl,
  },
];

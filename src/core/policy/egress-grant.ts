// Egress grants and targets as values. A target is what a URL asks for, as `host:port`, with the
// host exactly as WHATWG URL's `hostname` prints it (lower case, IPv4 dotted-decimal, IPv6
// compressed in brackets), so comparing a grant with a request is string equality.

import { EGRESS_GRANT, EGRESS_TARGET } from "./names.ts";

export interface EgressGrant {
  /** The grant in canonical form (IPv6 compressed), as `missing` and lint print it. */
  readonly text: string;
  /** For a wildcard grant, the domain under the `*.` label. */
  readonly host: string;
  readonly port: number;
  readonly wildcard: boolean;
}

export interface EgressTarget {
  readonly host: string;
  readonly port: number;
}

/** Parses a grant that matches EGRESS_GRANT_PATTERN; anything else is null. */
export function parseEgressGrant(grant: string): EgressGrant | null {
  if (!EGRESS_GRANT.test(grant)) return null;
  const { host, port } = splitHostPort(grant);
  if (host.startsWith("*.")) return { text: grant, host: host.slice(2), port, wildcard: true };
  const canonical = canonicalHost(host);
  return { text: `${canonical}:${port}`, host: canonical, port, wildcard: false };
}

/** Parses a concrete `host:port` (no wildcard) in canonical form; anything else is null. */
export function parseEgressTarget(target: string): EgressTarget | null {
  if (!EGRESS_TARGET.test(target)) return null;
  const { host, port } = splitHostPort(target);
  // A non-canonical IPv6 spelling is refused rather than rewritten: the caller passes URL output.
  if (canonicalHost(host) !== host) return null;
  return { host, port };
}

/** The request resource for a connection to `host` (a URL hostname) and `port`. */
export function egressResource(host: string, port: number): string {
  return `${host}:${port}`;
}

/**
 * Does `grant` allow `target`? An exact grant allows only its own host and port. A wildcard
 * `*.example.com:443` allows exactly one more label (`api.example.com:443`): not the apex and not
 * `a.b.example.com`, as a TLS wildcard does (RFC 6125 §6.4.3); never an IP address.
 */
export function grantCovers(grant: EgressGrant, target: EgressTarget): boolean {
  if (grant.port !== target.port) return false;
  if (!grant.wildcard) return grant.host === target.host;
  const suffix = `.${grant.host}`;
  if (!target.host.endsWith(suffix)) return false;
  const label = target.host.slice(0, -suffix.length);
  // An IP literal never ends in `.<letter-led label>`, so it never reaches this line matching.
  return label.length > 0 && !label.includes(".");
}

function splitHostPort(text: string): { host: string; port: number } {
  const colon = text.lastIndexOf(":");
  return { host: text.slice(0, colon), port: Number(text.slice(colon + 1)) };
}

// IPv6 literals have many spellings ([::ffff:10.0.0.5] is [::ffff:a00:5]); WHATWG URL prints
// the RFC 5952 one, which is also what a requested URL's hostname is.
function canonicalHost(host: string): string {
  return host.startsWith("[") ? new URL(`http://${host}/`).hostname : host;
}

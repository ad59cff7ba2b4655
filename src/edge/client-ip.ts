// Who the client is, for IP lists, rate limits and security events: the socket's peer address.
// X-Forwarded-For is attacker-written unless the request came through a proxy the operator named
// with --trust-proxy, so it is read only then, and only as far as the trusted hops go (CWE-348).
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import { compileIpFilter, type IpFilter } from "../core/ipfilter.ts";

/** A set of networks to test addresses against; built once from --trust-proxy. */
export type TrustedProxies = IpFilter;

export function trustedProxies(cidrs: readonly string[]): TrustedProxies | undefined {
  return cidrs.length === 0 ? undefined : compileIpFilter({ allow: cidrs });
}

/**
 * The peer address; behind trusted proxies, the rightmost X-Forwarded-For entry that is not itself
 * a trusted proxy (each proxy appends the address it saw, so entries left of the last trusted
 * hop were written by the client and prove nothing). A malformed entry ends the walk.
 */
export function clientIpOf(req: IncomingMessage, trusted: TrustedProxies | undefined): string {
  const peer = req.socket.remoteAddress ?? "";
  if (trusted === undefined || !isTrusted(trusted, peer)) return peer;
  const header = req.headers["x-forwarded-for"];
  if (header === undefined) return peer;
  const hops = (Array.isArray(header) ? header.join(",") : header).split(",").map((h) => h.trim());
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) break;
    client = hop;
    if (!isTrusted(trusted, hop)) break;
  }
  return client;
}

function isTrusted(trusted: TrustedProxies, ip: string): boolean {
  return trusted.decide(ip, Date.now()).allowed;
}

// Who the client is, for IP lists, rate limits and security events: the socket's peer address.
// X-Forwarded-For is attacker-written unless the request came through a proxy the operator named
// with --trust-proxy, so it is read only then, and only as far as the trusted hops go (CWE-348).
// The forwarding headers a function sees are settled here too, from the same belief.
import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";
import type { TLSSocket } from "node:tls";
import { compileIpFilter, type IpFilter } from "../core/ipfilter.ts";

/** A set of networks to test addresses against; built once from --trust-proxy. */
export type TrustedProxies = IpFilter;

export function trustedProxies(cidrs: readonly string[]): TrustedProxies | undefined {
  return cidrs.length === 0 ? undefined : compileIpFilter({ allow: cidrs });
}

export interface ClientAddress {
  /** The client as far as trusted proxies vouch for it; the socket's peer without them. */
  ip: string;
  /** What the edge believes of the way here: the client, each trusted hop after it, the peer last. */
  chain: readonly string[];
  /** The peer is a proxy named with --trust-proxy, so its other forwarding headers are believed too. */
  viaTrustedProxy: boolean;
}

/**
 * The peer address; behind trusted proxies, the rightmost X-Forwarded-For entry that is not itself
 * a trusted proxy (each proxy appends the address it saw, so entries left of the last trusted
 * hop were written by the client and prove nothing). A malformed entry ends the walk.
 */
export function clientAddressOf(req: IncomingMessage, trusted: TrustedProxies | undefined): ClientAddress {
  const peer = req.socket.remoteAddress ?? "";
  const alone = { ip: peer, chain: [peer], viaTrustedProxy: false };
  if (trusted === undefined || !isTrusted(trusted, peer)) return alone;
  const header = req.headers["x-forwarded-for"];
  if (header === undefined) return { ...alone, viaTrustedProxy: true };
  const hops = (Array.isArray(header) ? header.join(",") : header).split(",").map((h) => h.trim());
  let first = hops.length;
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i]!;
    if (isIP(hop) === 0) break;
    first = i;
    if (!isTrusted(trusted, hop)) break;
  }
  const chain = [...hops.slice(first), peer];
  return { ip: chain[0]!, chain, viaTrustedProxy: true };
}

function isTrusted(trusted: TrustedProxies, ip: string): boolean {
  return trusted.decide(ip, Date.now()).allowed;
}

/**
 * Headers through which a proxy tells the server who the client is, which host it asked for and
 * over which scheme. Beyond the RFC 7239 and X-Forwarded-* family these are the ones IP and URL
 * helpers read (request-ip, Express, Werkzeug's ProxyFix, Symfony): a handler that asks such a
 * helper must not get the client's own claim. Only a trusted proxy's are passed on; x-forwarded-for,
 * -proto and -port are always the edge's (as API Gateway's v2 payload has them).
 */
const FORWARDING = new Set([
  "forwarded",
  "x-forwarded-for",
  "x-forwarded-host",
  "x-forwarded-proto",
  "x-forwarded-port",
  "x-forwarded-server",
  "x-forwarded-scheme",
  "x-forwarded-ssl",
  "x-forwarded",
  "forwarded-for",
  "x-real-ip",
  "x-client-ip",
  "x-cluster-client-ip",
  "true-client-ip",
  "cf-connecting-ip",
  "fastly-client-ip",
  "x-original-host",
  "x-host",
  "front-end-https",
  "x-url-scheme",
]);

/** Whether the edge settles this header itself (`name` lower-case) instead of passing the client's. */
export function isForwardingHeader(name: string): boolean {
  return FORWARDING.has(name);
}

/**
 * The forwarding headers the function sees. Behind a trusted proxy, the proxy's scheme and port
 * stand (a proxy that ends TLS talks plain HTTP to the listener, yet the client used https);
 * otherwise they are the listener's own.
 */
export function forwardingHeaders(req: IncomingMessage, client: ClientAddress): Record<string, string> {
  const headers: Record<string, string> = {};
  if (client.viaTrustedProxy) {
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined && FORWARDING.has(name)) headers[name] = Array.isArray(value) ? value.join(",") : value;
    }
  }
  headers["x-forwarded-for"] = client.chain.join(", ");
  headers["x-forwarded-proto"] ??= (req.socket as Partial<TLSSocket>).encrypted === true ? "https" : "http";
  headers["x-forwarded-port"] ??= String(req.socket.localPort ?? "");
  return headers;
}

/** The forwarding headers a client wrote that the edge did not believe: what a spoof attempt looks like. */
export function ignoredForwardingHeaders(req: IncomingMessage, client: ClientAddress): string[] {
  return client.viaTrustedProxy ? [] : Object.keys(req.headers).filter((name) => FORWARDING.has(name));
}

// Keeps web pages off the control API. Its clients are the CLI and scrapers, which send no Origin
// and name as Host the loopback address they dialled. A page in the operator's browser can still
// reach a loopback port: by a cross-site form or fetch, which carries the page's Origin (RFC 6454
// §7.2; CWE-352), or by DNS rebinding, its own name re-pointed at 127.0.0.1, which carries that
// name as Host (CWE-350). Bearer tokens never live in a browser, but the login route is public:
// such a page could guess passwords or lock the operator's accounts and address out.
import type { IncomingHttpHeaders } from "node:http";
import { isLoopbackHost } from "../core/ipaddr.ts";

/**
 * Why this request looks like it comes from a web page, or undefined. Without TLS the API listens
 * on loopback only (endpoint.ts), so any other Host is a rebinding; with TLS a rebound name fails
 * the browser's certificate check, and the Host may be any name the certificate has.
 */
export function browserRequest(headers: IncomingHttpHeaders, tls: boolean): string | undefined {
  const host = headers.host ?? "";
  if (!tls && !isLoopbackHost(hostnameOf(host))) return `Host "${host.slice(0, 64)}" is not a loopback address (DNS rebinding)`;
  const origin = headers.origin;
  if (origin !== undefined && originHost(origin) !== host.toLowerCase()) return `cross-origin request from "${origin.slice(0, 64)}"`;
  return undefined;
}

function hostnameOf(host: string): string {
  return URL.canParse(`http://${host}`) ? new URL(`http://${host}`).hostname : "";
}

/** The host[:port] an Origin names; null for the opaque "null" origin and anything unparsable. */
function originHost(origin: string): string | null {
  return URL.canParse(origin) ? new URL(origin).host : null;
}

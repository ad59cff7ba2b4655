// Where a function's `ctx.fetch` may connect. The broker calls checkEgressUrl after the policy
// has allowed the `egress` call, and connects to the address it returns, with the URL's host
// for TLS SNI and the Host header. The name is resolved once, here, and every address it resolves
// to is checked: the caller never resolves again, so there is no window for DNS rebinding
// between the check and the connection (CWE-918, CWE-367).
//
// Decisions:
// - https only by default. Plain http is allowed only when a grant names that exact host:port
//   (not through a wildcard) and the port is not 443: cleartext to a service the operator named
//   on purpose (an internal 10.0.0.5:8080), never a downgrade of a TLS endpoint (CWE-319).
// - Credentials in the URL are refused (CWE-598): they would end up in logs; send a header.
// - A name that resolves to ANY refused address (core/blocked-addresses.ts) is refused, even if its
//   other addresses are public. Such an address is allowed only when a grant names that exact
//   IP literal and port, so an operator can open `10.0.0.5:8080` and nothing else.
// - Hosts are compared as WHATWG URL normalizes them: decimal, octal and hex IPv4 spellings
//   (`http://2130706433/`, `0x7f.1`, `0177.0.0.1`) are already `127.0.0.1` here.

import { promises as dns } from "node:dns";
import { isIP } from "node:net";
import { BulwarkError } from "../../core/errors.ts";
import { type EgressGrant, egressResource, grantCovers, parseEgressGrant, parseEgressTarget } from "../../core/policy/index.ts";
import { blockedReason } from "../../core/blocked-addresses.ts";
import { unbracketed } from "../../core/ipaddr.ts";

/** dns.promises.lookup with `all: true`; a test may pass its own. */
export type LookupAll = (hostname: string, options: { all: true }) => Promise<Array<{ address: string; family: number }>>;

export interface EgressUrl {
  url: URL;
  /** As URL.hostname: lower case, IPv6 in brackets. Use it for SNI and the Host header. */
  host: string;
  port: number;
  /** `host:port`, the resource of the policy's `egress` action. */
  resource: string;
}

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

export interface CheckedTarget extends ResolvedAddress {
  host: string;
  port: number;
  /** Every address the name resolved to, all checked, in resolver order; `address` is the first. */
  addresses: ResolvedAddress[];
}

export const MAX_URL_LENGTH = 8192;
const DEFAULT_PORTS = { "https:": 443, "http:": 80 } as const;

export function parseEgressUrl(rawUrl: string, grants: readonly string[]): EgressUrl {
  if (typeof rawUrl !== "string" || rawUrl.length > MAX_URL_LENGTH) {
    invalid(`a fetch URL is a string of at most ${MAX_URL_LENGTH} characters`);
  }
  if (!URL.canParse(rawUrl)) invalid("the fetch URL is not a valid absolute URL");
  const url = new URL(rawUrl);
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    invalid(`only https URLs can be fetched (http where granted), not ${url.protocol.slice(0, 32)}`);
  }
  if (url.username !== "" || url.password !== "") invalid("the fetch URL carries credentials; send them in a header instead");
  const port = url.port === "" ? DEFAULT_PORTS[url.protocol] : Number(url.port);
  if (port < 1 || port > 65535) invalid(`port ${port} is not a valid port`);
  const host = url.hostname;
  const resource = egressResource(host, port);
  if (url.protocol === "http:") {
    const named = parsedGrants(grants).some((grant) => !grant.wildcard && grant.text === resource);
    if (!named || port === 443) {
      denied("plaintext-http", `plain http to ${resource} is refused: use https, or grant this exact host:port (not 443)`);
    }
  }
  return { url, host, port, resource };
}

export async function resolveAndCheck(
  host: string,
  port: number,
  grants: readonly string[],
  lookup: LookupAll = (name, options) => dns.lookup(name, options),
): Promise<CheckedTarget> {
  const resource = egressResource(host, port);
  const target = parseEgressTarget(resource);
  if (target === null) invalid(`${JSON.stringify(resource.slice(0, 300))} is not a host:port that can be granted`);
  const granted = parsedGrants(grants);
  if (!granted.some((grant) => grantCovers(grant, target))) denied("not-granted", `egress to ${resource} is not granted`);

  const bare = unbracketed(host);
  const addresses = isIP(bare) !== 0 ? [{ address: bare, family: isIP(bare) }] : await resolve(bare, lookup);
  if (addresses.length === 0) notFound(`${host} resolves to no address`);
  const checked = addresses.map(({ address, family }): ResolvedAddress => {
    const reason = blockedReason(address);
    if (reason !== null && !namesAddress(granted, address, port)) {
      denied("blocked-address", `egress to ${resource} is refused: it resolves to ${address.slice(0, 64)} (${reason})`);
    }
    return { address, family: family === 6 ? 6 : 4 };
  });
  const [first] = checked as [ResolvedAddress, ...ResolvedAddress[]];
  return { host, port, address: first.address, family: first.family, addresses: checked };
}

/** parseEgressUrl, then resolveAndCheck: what the broker calls for `ctx.fetch`. */
export async function checkEgressUrl(
  rawUrl: string,
  grants: readonly string[],
  lookup?: LookupAll,
): Promise<EgressUrl & CheckedTarget> {
  const parsed = parseEgressUrl(rawUrl, grants);
  return { ...parsed, ...(await resolveAndCheck(parsed.host, parsed.port, grants, lookup)) };
}

async function resolve(hostname: string, lookup: LookupAll): Promise<Array<{ address: string; family: number }>> {
  try {
    return await lookup(hostname, { all: true });
  } catch (error) {
    return notFound(`cannot resolve ${hostname}: ${(error as NodeJS.ErrnoException).code ?? "lookup failed"}`);
  }
}

// Does a grant name this exact IP literal and port? Compared in URL form, so `::ffff:a00:5`
// and `::ffff:10.0.0.5` are one address.
function namesAddress(grants: readonly EgressGrant[], address: string, port: number): boolean {
  const family = isIP(address);
  if (family === 0 || address.includes("%")) return false;
  const host = family === 6 ? new URL(`http://[${address}]/`).hostname : address;
  return grants.some((grant) => !grant.wildcard && grant.text === egressResource(host, port));
}

function parsedGrants(grants: readonly string[]): EgressGrant[] {
  return grants.map(parseEgressGrant).filter((grant): grant is EgressGrant => grant !== null);
}

function invalid(message: string): never {
  throw new BulwarkError("BWK_INVALID_ARGUMENT", message);
}

function notFound(message: string): never {
  throw new BulwarkError("BWK_NOT_FOUND", message);
}

function denied(reason: string, message: string): never {
  throw new BulwarkError("BWK_PERMISSION_DENIED", message, { extra: { reason } });
}

// Where a SIEM sink may point: loopback, a private network or the internet, never a link-local
// address or a cloud metadata endpoint (core/blocked-addresses.ts linkScopeReason). An admin
// session, or a stolen one, must not turn the exporter into a way to reach the metadata service
// from the host, which answers only there and hands out the host's cloud credentials (CWE-918).
// Checked twice: when a sink is added (so the operator hears at once), and on every connection,
// against the addresses the connection is actually made to, because a name may resolve
// elsewhere later (DNS rebinding, CWE-367).
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import { linkScopeReason } from "../../core/blocked-addresses.ts";
import { BulwarkError } from "../../core/errors.ts";
import type { SinkConfig } from "./sinks.ts";
import { unbracketed } from "../../core/ipaddr.ts";

/** dns.lookup with `all: true`, callback style; a test passes its own. */
export type ResolveAll = (hostname: string, options: LookupAllOptions, callback: (err: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;

/** A refused destination: the sink, the host it names, the address it leads to and why. */
export interface RefusedDestination {
  sink: string;
  host: string;
  address: string;
  reason: string;
}

const defaultResolve: ResolveAll = (hostname, options, callback) => dnsLookup(hostname, options, callback);

/**
 * At configuration: refuses (403) a sink whose host is, or now resolves to, a link-scoped address.
 * A name that does not resolve yet is accepted: every connection is checked again (guardedLookup).
 */
export async function checkSinkDestination(config: SinkConfig, refused: (r: RefusedDestination) => void, resolve = defaultResolve): Promise<void> {
  const host = hostOf(config);
  const addresses = isIP(host) !== 0 ? [host] : await resolved(host, resolve);
  for (const address of addresses) {
    const reason = linkScopeReason(address);
    if (reason !== null) throw refusal({ sink: config.name, host, address, reason }, refused);
  }
}

/**
 * For a delivery's connection: throws for a link-scoped IP literal (node connects to a literal
 * without a lookup), else returns a `lookup` for net/tls/https that fails the connection when any
 * address the name resolves to is link-scoped, so the address checked is the one connected to.
 */
export function guardedLookup(sink: string, host: string, refused: (r: RefusedDestination) => void, resolve = defaultResolve): LookupFunction {
  const bare = unbracketed(host);
  if (isIP(bare) !== 0) {
    const reason = linkScopeReason(bare);
    if (reason !== null) throw refusal({ sink, host: bare, address: bare, reason }, refused);
  }
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, "");
      for (const { address } of addresses) {
        const reason = linkScopeReason(address);
        if (reason !== null) return callback(refusal({ sink, host: hostname, address, reason }, refused), "");
      }
      const [first] = addresses;
      if (options.all === true) callback(null, addresses);
      else if (first === undefined) callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: "ENOTFOUND" }), "");
      else callback(null, first.address, first.family);
    });
  };
}

/** The host a sink connects to, as written (an IPv6 URL host without its brackets). */
function hostOf(config: SinkConfig): string {
  return config.kind === "syslog" ? config.host : unbracketed(new URL(config.url).hostname);
}

function resolved(host: string, resolve: ResolveAll): Promise<string[]> {
  return new Promise((done) => resolve(host, { all: true }, (err, addresses) => done(err ? [] : addresses.map((a) => a.address))));
}

function refusal(r: RefusedDestination, refused: (r: RefusedDestination) => void): BulwarkError {
  refused(r);
  return new BulwarkError(
    "BWK_FORBIDDEN",
    `sink ${r.sink}: ${r.host} is ${r.address} (${r.reason}); a SIEM sink may be on loopback, a private network or the internet, never a link-local or cloud metadata address`,
    { extra: { reason: "link-scope-address" } },
  );
}

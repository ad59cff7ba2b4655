// IP allow/deny lists, compiled once into an immutable object and asked once per request.
// Lookup is one hash probe per distinct prefix length in use (at most 33 for IPv4, 129 for IPv6),
// so a threat feed of 100k addresses costs the same per request as a list of ten.
// Replacing a live filter with a new one (compileIpFilter or filter.with) is the caller's job.
import { BulwarkError } from "./errors.ts";
import { coversMappedIpv4, maskV4, maskV6, parseAddress, parseCidr, type Cidr } from "./ipaddr.ts";

export interface IpListEntry {
  /** An address or CIDR, IPv4 or IPv6 ("203.0.113.7", "2001:db8::/32", "::ffff:10.0.0.0/104"). */
  cidr: string;
  /** Epoch milliseconds from which the entry no longer applies. */
  expiresAt?: number;
  /** Where the entry came from (a feed, an operator), echoed in decisions for the audit trail. */
  source?: string;
}

export interface IpFilterLists {
  allow?: ReadonlyArray<string | IpListEntry>;
  deny?: ReadonlyArray<string | IpListEntry>;
}

export type IpDenyReason = "deny-list" | "not-on-allow-list" | "invalid-address";

export interface IpDecision {
  allowed: boolean;
  reason?: IpDenyReason;
  /** The canonical CIDR of the entry that decided ("203.0.113.0/24"). */
  entry?: string;
  source?: string;
}

export interface IpListChange {
  add?: ReadonlyArray<string | IpListEntry>;
  /** Addresses or CIDRs to take off; matched by network, so "10.0.0.1/8" removes "10.0.0.0/8". */
  remove?: ReadonlyArray<string>;
}

export interface IpFilter {
  /**
   * Deny wins over allow. When an allow list was configured, an address on no live allow entry
   * is refused even if every allow entry has expired: an allow list fails closed.
   */
  decide(ip: string, now: number): IpDecision;
  /** A new filter with these changes; this one is untouched and unchanged tables are shared. */
  with(changes: { allow?: IpListChange; deny?: IpListChange }): IpFilter;
  readonly size: { allow: number; deny: number };
}

interface Rec {
  text: string;
  expiresAt: number;
  source: string | undefined;
  /** The IPv4 copy of an IPv6 entry that covers all mapped addresses; not counted twice. */
  mirror: boolean;
}

type Buckets<K> = ReadonlyMap<number, ReadonlyMap<K, readonly Rec[]>>;

/** One family's entries, bucketed by prefix length; prefixes are kept longest first. */
interface Table<K> {
  buckets: Buckets<K>;
  prefixes: readonly number[];
  count: number;
}

interface ListTables {
  v4: Table<number>;
  v6: Table<bigint>;
}

const EMPTY: ListTables = {
  v4: { buckets: new Map(), prefixes: [], count: 0 },
  v6: { buckets: new Map(), prefixes: [], count: 0 },
};

export function compileIpFilter(lists: IpFilterLists): IpFilter {
  return makeFilter(
    applyChange(EMPTY, { add: lists.allow ?? [] }, "allow"),
    applyChange(EMPTY, { add: lists.deny ?? [] }, "deny"),
  );
}

function makeFilter(allow: ListTables, deny: ListTables): IpFilter {
  const allowCount = allow.v4.count + allow.v6.count;
  return {
    size: { allow: allowCount, deny: deny.v4.count + deny.v6.count },
    decide(ip, now) {
      const address = parseAddress(ip);
      if (address === null) return { allowed: false, reason: "invalid-address" };
      const denied = find(deny, address, now);
      if (denied) return { allowed: false, reason: "deny-list", ...describe(denied) };
      if (allowCount === 0) return { allowed: true };
      const allowed = find(allow, address, now);
      if (allowed) return { allowed: true, ...describe(allowed) };
      return { allowed: false, reason: "not-on-allow-list" };
    },
    with(changes) {
      return makeFilter(
        changes.allow ? applyChange(allow, changes.allow, "allow") : allow,
        changes.deny ? applyChange(deny, changes.deny, "deny") : deny,
      );
    },
  };
}

function describe(rec: Rec): { entry: string; source?: string } {
  return rec.source === undefined ? { entry: rec.text } : { entry: rec.text, source: rec.source };
}

/** The live entry with the longest prefix containing the address, if any. */
function find(tables: ListTables, address: ReturnType<typeof parseAddress> & {}, now: number): Rec | undefined {
  if (address.family === 4) {
    const { buckets, prefixes } = tables.v4;
    for (const prefix of prefixes) {
      const live = firstLive(buckets.get(prefix)?.get(maskV4(address.value, prefix)), now);
      if (live) return live;
    }
    return undefined;
  }
  const { buckets, prefixes } = tables.v6;
  for (const prefix of prefixes) {
    const live = firstLive(buckets.get(prefix)?.get(maskV6(address.value, prefix)), now);
    if (live) return live;
  }
  return undefined;
}

function firstLive(recs: readonly Rec[] | undefined, now: number): Rec | undefined {
  if (!recs) return undefined;
  for (const rec of recs) if (rec.expiresAt > now) return rec;
  return undefined;
}

function applyChange(tables: ListTables, change: IpListChange, list: string): ListTables {
  const adds4: Array<[Cidr & { family: 4 }, Rec]> = [];
  const adds6: Array<[Cidr & { family: 6 }, Rec]> = [];
  for (const item of change.add ?? []) {
    const entry = typeof item === "string" ? { cidr: item } : item;
    const cidr = mustParse(entry.cidr, list);
    const expiresAt = entry.expiresAt ?? Number.POSITIVE_INFINITY;
    if (typeof expiresAt !== "number" || Number.isNaN(expiresAt)) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `${list} list entry "${entry.cidr}" has an invalid expiresAt`);
    }
    const rec: Rec = { text: cidr.text, expiresAt, source: entry.source, mirror: false };
    if (cidr.family === 4) adds4.push([cidr, rec]);
    else adds6.push([cidr, rec]);
    // ::/0 and friends contain every IPv4-mapped address, which we look up as IPv4.
    if (coversMappedIpv4(cidr)) adds4.push([{ family: 4, network: 0, prefix: 0, text: cidr.text }, { ...rec, mirror: true }]);
  }
  const removes4: Array<Cidr & { family: 4 }> = [];
  const removes6: Array<Cidr & { family: 6 }> = [];
  for (const text of change.remove ?? []) {
    const cidr = mustParse(text, list);
    if (cidr.family === 4) removes4.push(cidr);
    else removes6.push(cidr);
    if (coversMappedIpv4(cidr)) removes4.push({ family: 4, network: 0, prefix: 0, text: cidr.text });
  }
  return { v4: updateTable(tables.v4, adds4, removes4), v6: updateTable(tables.v6, adds6, removes6) };
}

function mustParse(text: string, list: string): Cidr {
  const cidr = typeof text === "string" ? parseCidr(text.trim()) : null;
  if (cidr === null) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `${list} list entry ${JSON.stringify(text)} is not an IP address or CIDR`);
  }
  return cidr;
}

/** Copy-on-write: only the buckets and keys touched by the change are copied. */
function updateTable<K extends number | bigint>(
  table: Table<K>,
  adds: ReadonlyArray<[{ network: K; prefix: number }, Rec]>,
  removes: ReadonlyArray<{ network: K; prefix: number; text: string }>,
): Table<K> {
  if (adds.length === 0 && removes.length === 0) return table;
  const buckets = new Map(table.buckets);
  const copied = new Set<number>();
  const bucketFor = (prefix: number): Map<K, readonly Rec[]> => {
    if (!copied.has(prefix)) {
      buckets.set(prefix, new Map(buckets.get(prefix)));
      copied.add(prefix);
    }
    return buckets.get(prefix) as Map<K, readonly Rec[]>;
  };
  let count = table.count;
  for (const { network, prefix, text } of removes) {
    const bucket = bucketFor(prefix);
    const recs = bucket.get(network);
    if (!recs) continue;
    const kept = recs.filter((rec) => rec.text !== text);
    for (const rec of recs) if (rec.text === text && !rec.mirror) count--;
    if (kept.length > 0) bucket.set(network, kept);
    else bucket.delete(network);
  }
  for (const [{ network, prefix }, rec] of adds) {
    const bucket = bucketFor(prefix);
    bucket.set(network, [...(bucket.get(network) ?? []), rec]);
    if (!rec.mirror) count++;
  }
  for (const prefix of copied) if (buckets.get(prefix)?.size === 0) buckets.delete(prefix);
  const prefixes = [...buckets.keys()].sort((a, b) => b - a);
  return { buckets, prefixes, count };
}

// Threat-intelligence feeds: `bulwark intel import FILE` sends a plain address list or a STIX 2.1
// bundle; it is parsed here (core/intel.ts) as if anyone had sent it, stored with its expiry, and
// the edge's deny list is rebuilt and swapped in at once: no restart, no request sees half a list.
import { BulwarkError } from "../core/errors.ts";
import { parsePlainList, parseStixBundle, type IntelEntry } from "../core/intel.ts";
import { parseCidr } from "../core/ipaddr.ts";
import type { EdgeShield } from "../edge/shield.ts";
import type { IntelIndicator, IntelStore } from "../store/intel.ts";

const FEED_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** A feed of a few hundred thousand addresses; what one import may make the platform parse. */
export const MAX_FEED_BYTES = 32 * 1024 * 1024;
const MAX_EXPIRY_MS = 10 * 365 * 24 * 3600 * 1000;
/**
 * Networks broader than these are not taken from a feed: one poisoned line such as 0.0.0.0/0
 * would lock every client out. An operator who means it writes network.deny in the manifest.
 */
const MIN_PREFIX = { 4: 8, 6: 16 } as const;

export interface ImportResult {
  feed: string;
  format: "plain" | "stix";
  stored: number;
  errors: string[];
}

export class ThreatIntel {
  readonly #store: IntelStore;
  readonly #shield: Pick<EdgeShield, "setIntel">;

  /** `shield` is every stage's edge: one deny list for the whole platform. */
  constructor(store: IntelStore, shield: Pick<EdgeShield, "setIntel">) {
    this.#store = store;
    this.#shield = shield;
  }

  /** Applies the stored indicators to the edge (at start, and after every change). */
  apply(now = Date.now()): void {
    this.#shield.setIntel(this.#store.live(now));
  }

  import(body: unknown, now = Date.now()): ImportResult {
    const { content, feed, format, expiresInMs } = readImport(body);
    const kind = format === "auto" ? (content.trimStart().startsWith("{") ? "stix" : "plain") : format;
    const parsed = kind === "stix" ? parseStixBundle(parseJson(content)) : parsePlainList(content, feed);
    const errors = [...parsed.errors];
    const entries: IntelEntry[] = [];
    for (const entry of parsed.entries) {
      const cidr = parseCidr(entry.cidr)!;
      if (cidr.prefix < MIN_PREFIX[cidr.family]) {
        errors.push(`${entry.source}: ${entry.cidr} is too broad for a threat feed (use network.deny in the manifest)`);
        continue;
      }
      const importExpiry = expiresInMs === undefined ? undefined : now + expiresInMs;
      const expiresAt = minDefined(entry.expiresAt, importExpiry);
      // Already expired (a stale feed's valid_until): nothing to enforce, nothing to store.
      if (expiresAt !== undefined && expiresAt <= now) continue;
      entries.push(expiresAt === undefined ? { cidr: entry.cidr, source: entry.source } : { ...entry, expiresAt });
    }
    this.#store.put(feed, entries, new Date(now).toISOString());
    this.apply(now);
    return { feed, format: kind, stored: entries.length, errors };
  }

  list(now = Date.now()): IntelIndicator[] {
    return this.#store.live(now);
  }

  /** Removes addresses (whichever feed named them) and/or a whole feed. */
  remove(body: unknown, now = Date.now()): { removed: number } {
    const { cidrs, feed } = (body ?? {}) as { cidrs?: unknown; feed?: unknown };
    let removed = 0;
    if (cidrs !== undefined) {
      if (!Array.isArray(cidrs) || cidrs.length > 10_000) throw invalid("cidrs must be a list of addresses or CIDRs");
      const canonical = cidrs.map((c) => {
        const cidr = typeof c === "string" ? parseCidr(c.trim()) : null;
        if (cidr === null) throw invalid(`${JSON.stringify(String(c).slice(0, 64))} is not an address or CIDR`);
        return cidr.text;
      });
      removed += this.#store.remove(canonical);
    }
    if (feed !== undefined) {
      if (typeof feed !== "string" || !FEED_NAME.test(feed)) throw invalid("feed must be a feed name");
      removed += this.#store.removeFeed(feed);
    }
    if (cidrs === undefined && feed === undefined) throw invalid("name the cidrs or the feed to remove");
    this.apply(now);
    return { removed };
  }
}

function readImport(body: unknown): { content: string; feed: string; format: "auto" | "plain" | "stix"; expiresInMs?: number } {
  const b = (body ?? {}) as Record<string, unknown>;
  if (typeof b.content !== "string") throw invalid("content must be the feed's text");
  if (b.content.length > MAX_FEED_BYTES) throw invalid(`the feed is larger than ${MAX_FEED_BYTES / 1024 / 1024} MiB`);
  if (typeof b.feed !== "string" || !FEED_NAME.test(b.feed)) throw invalid("feed must be 1 to 64 letters, digits, '.', '_' or '-'");
  const format = b.format ?? "auto";
  if (format !== "auto" && format !== "plain" && format !== "stix") throw invalid("format must be auto, plain or stix");
  if (b.expiresInMs !== undefined && (!Number.isSafeInteger(b.expiresInMs) || (b.expiresInMs as number) < 1 || (b.expiresInMs as number) > MAX_EXPIRY_MS)) {
    throw invalid("expiresInMs must be a whole number of milliseconds up to 10 years");
  }
  return { content: b.content, feed: b.feed, format, ...(b.expiresInMs === undefined ? {} : { expiresInMs: b.expiresInMs as number }) };
}

function parseJson(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    throw invalid("the feed looks like JSON (a STIX bundle) but does not parse");
  }
}

function minDefined(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}

function invalid(message: string): BulwarkError {
  return new BulwarkError("BWK_INVALID_ARGUMENT", message);
}

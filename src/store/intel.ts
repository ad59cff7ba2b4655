// The threat-intelligence port: indicator addresses imported from feeds (core/intel.ts parses
// them), each with its feed, where in the feed it came from, and when it stops applying. The edge
// adds the live ones to its deny list. One interface here; adapters live in sqlite/.
import type { IntelEntry } from "../core/intel.ts";

export interface IntelIndicator {
  /** Canonical CIDR ("198.51.100.7/32"). */
  cidr: string;
  /** The feed's name, as given at import (by default the file's name). */
  feed: string;
  /** Where in the feed: "<feed>:<line>" or a STIX object id. */
  source: string;
  /** Epoch ms from which the indicator no longer applies; null: until removed. */
  expiresAt: number | null;
  importedAt: string;
}

export interface IntelStore {
  /** Adds or refreshes indicators: the same address from the same feed is one indicator. */
  put(feed: string, entries: readonly IntelEntry[], importedAt: string): { stored: number };
  /** Removes every indicator for these CIDRs, whichever feed named them; returns how many. */
  remove(cidrs: readonly string[]): number;
  /** Removes a feed's indicators; returns how many. */
  removeFeed(feed: string): number;
  /** Indicators not expired at `now`, expired ones being deleted on the way. */
  live(now: number): IntelIndicator[];
}

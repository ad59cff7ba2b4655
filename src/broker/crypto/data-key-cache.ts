// Unwrapped data keys, kept briefly, so a value read again and again (a hot KV key, the secret
// every invocation reads) does not pay for an unwrap (AES-GCM under the master key) and a key
// import on every read: 11 µs of the 25 µs it takes to open a value, measured.
//
// Why this is safe:
// - an entry is found only by the whole wrapped key (format, master key id, nonce, encrypted key,
//   GCM tag): those exact bytes authenticated under this master key before, and the same bytes
//   always unwrap to the same data key, so a hit answers exactly what an unwrap would;
// - it belongs to one MasterKey: after `keys rotate-master` the new key starts empty, and a data
//   key still wrapped by the old one is refused as before;
// - it holds KeyObjects (key bytes in native memory, never in the JS heap, never logged) for at
//   most TTL_MS and MAX_ENTRIES; the master key, which unwraps every data key, lives in the same
//   process for its whole life, so reading this process's memory gains nothing from the cache;
// - the value itself is still decrypted and its tag and AAD checked on every read, and sealing
//   never uses the cache: every new value gets a fresh data key.
import type { KeyObject } from "node:crypto";

const TTL_MS = 30_000;
const MAX_ENTRIES = 1024;

export class DataKeyCache {
  readonly #entries = new Map<string, { key: KeyObject; expires: number }>();
  readonly #clock: () => number;

  constructor(clock: () => number = Date.now) {
    this.#clock = clock;
  }

  /** The data key `wrapped` holds: from the cache, or from `unwrap` (which throws if it does not authenticate). */
  get(wrapped: Uint8Array, unwrap: () => KeyObject): KeyObject {
    const id = Buffer.from(wrapped.buffer, wrapped.byteOffset, wrapped.byteLength).toString("latin1");
    const now = this.#clock();
    const entry = this.#entries.get(id);
    if (entry !== undefined && entry.expires > now) return entry.key;
    if (entry !== undefined) this.#entries.delete(id);
    const key = unwrap();
    if (this.#entries.size >= MAX_ENTRIES) this.#evict(now);
    this.#entries.set(id, { key, expires: now + TTL_MS });
    return key;
  }

  /**
   * Drops the expired entries, or the oldest one if none expired. Entries are in insertion order
   * and all live TTL_MS, so the expired ones are the first: the walk stops at the first live one.
   */
  #evict(now: number): void {
    for (const [id, entry] of this.#entries) {
      if (entry.expires > now) break;
      this.#entries.delete(id);
    }
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
  }
}

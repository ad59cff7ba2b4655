// The master key the platform runs with, where it came from, and `keys rotate-master`.
//
// Sources, in order: a key file the operator names (--master-key-file, refused unless 0600), the
// BULWARK_MASTER_KEY value the CLI read, else the platform's own file keys/master.key, created
// on first start with one warning line to back it up.
//
// At start the key must be the one that wrapped the stored data keys: a wrong key fails here,
// loudly, instead of at the first read.
//
// One key for every stage: each stage keeps its encrypted data in its own database, all of it
// wrapped under this key, so the ring is opened with every stage's database and checks and
// rotates them all.
//
// Rotation: a new key is written next to the old one (keys/master.key.next, O_EXCL, synced), every
// wrapped data key is rewrapped in one transaction per database (the data is never read or
// written), then the new file is renamed over keys/master.key. A crash before the first commit
// leaves the old key in charge; a crash after it is finished at the next start, which finds .next
// wrapping some of the data and rewraps the rest (rewrapping is idempotent: a key already under
// the new master key is kept). With an operator-supplied key the platform cannot replace the
// source, so the new key is written to keys/master-<id>.key and the operator points
// --master-key-file (or the variable) at it; a rotation that crashed between databases is
// finished when the platform starts with the old key and finds that file.

import { mkdirSync, renameSync, rmSync, existsSync } from "node:fs";
import type { DatabaseSync } from "node:sqlite";
import { join } from "node:path";
import { BulwarkError } from "../core/errors.ts";
import { rewrapAll, sampleWrappedKeys } from "../store/sqlite/wrapped-keys.ts";
import { syncDirectory } from "../store/sync-directory.ts";
import { rewrap } from "./crypto/envelope.ts";
import { createMasterKeyFile, loadMasterKey, type MasterKeySource } from "./crypto/master-key-file.ts";
import { type MasterKey, wrappingKeyId } from "./crypto/master-key.ts";

export const MASTER_KEY_FILE = "master.key";
const NEXT_FILE = "master.key.next";

export interface RotationResult {
  oldKeyId: string;
  newKeyId: string;
  /** Wrapped data keys rewrapped. */
  rewrapped: number;
  /** Set when the operator supplies the key: where the new one was written for them to use. */
  newKeyFile?: string;
}

export class MasterKeyRing {
  readonly #keysDir: string;
  /** True when the key lives in keys/master.key, which the platform may replace. */
  readonly #managed: boolean;
  #current: MasterKey;

  private constructor(keysDir: string, managed: boolean, current: MasterKey) {
    this.#keysDir = keysDir;
    this.#managed = managed;
    this.#current = current;
  }

  get current(): MasterKey {
    return this.#current;
  }

  /**
   * Loads (or on first start creates) the master key and checks it against the data stored in
   * `dbs` (every stage's database). `warn` receives the one-line backup warning when a key is created.
   */
  static async open(keysDir: string, source: MasterKeySource, dbs: readonly DatabaseSync[], warn: (line: string) => void): Promise<MasterKeyRing> {
    mkdirSync(keysDir, { recursive: true, mode: 0o700 });
    let samples = dbs.flatMap((db) => sampleWrappedKeys(db));
    if (source.file !== undefined || source.env !== undefined) {
      const key = await loadMasterKey(source);
      const target = rotatedTo(key, samples, keysDir);
      if (target !== undefined) {
        // A rotation that crashed between two databases: finish it, then say where the new key is.
        finishRotation(dbs, key, await loadMasterKey({ file: target }));
        samples = dbs.flatMap((db) => sampleWrappedKeys(db));
      }
      checkWraps(key, samples, keysDir);
      return new MasterKeyRing(keysDir, false, key);
    }
    const file = join(keysDir, MASTER_KEY_FILE);
    const next = join(keysDir, NEXT_FILE);
    if (existsSync(next)) {
      const candidate = await loadMasterKey({ file: next });
      if (samples.some((w) => wrappingKeyId(w) === candidate.id)) {
        // The rotation committed (in one database at least) before the crash: finish it.
        finishRotation(dbs, await loadMasterKey({ file }), candidate);
        renameSync(next, file);
        syncDirectory(keysDir);
        return new MasterKeyRing(keysDir, true, candidate);
      }
      rmSync(next);
    }
    if (!existsSync(file)) {
      if (samples.length > 0) {
        throw new BulwarkError("BWK_INVALID_ARGUMENT", `${file} is missing but the data dir holds encrypted data; restore the master key from its backup`);
      }
      const key = await createMasterKeyFile(file);
      warn(`created a new master key in ${file}: back it up now; without it no secret, KV value or object can be decrypted`);
      return new MasterKeyRing(keysDir, true, key);
    }
    const key = await loadMasterKey({ file });
    checkWraps(key, samples, keysDir);
    return new MasterKeyRing(keysDir, true, key);
  }

  /** `keys rotate-master`: rewraps every data key stored in `dbs` (every stage's) under a fresh master key. */
  async rotate(dbs: readonly DatabaseSync[]): Promise<RotationResult> {
    const old = this.#current;
    const target = this.#managed ? join(this.#keysDir, NEXT_FILE) : undefined;
    let fresh: MasterKey;
    let written: string;
    if (target !== undefined) {
      rmSync(target, { force: true }); // a rotation that failed before its commit
      fresh = await createMasterKeyFile(target);
      written = target;
    } else {
      // The id is only known after generation; write under a temporary name, then rename.
      const temporary = join(this.#keysDir, `master-new-${process.pid}-${Date.now()}.key`);
      fresh = await createMasterKeyFile(temporary);
      written = join(this.#keysDir, `master-${fresh.id}.key`);
      renameSync(temporary, written);
      syncDirectory(this.#keysDir);
    }
    let rewrapped = 0;
    try {
      // No await between the databases: nothing seals with either key while some data is rewrapped and some not.
      for (const db of dbs) rewrapped += rewrapAll(db, (wrapped) => rewrap(wrapped, old, fresh));
    } catch (e) {
      // Only before the first commit: a later failure leaves data under the new key, which must stay.
      if (rewrapped === 0) rmSync(written, { force: true });
      throw e;
    }
    this.#current = fresh;
    if (target !== undefined) {
      renameSync(target, join(this.#keysDir, MASTER_KEY_FILE));
      syncDirectory(this.#keysDir);
      return { oldKeyId: old.id, newKeyId: fresh.id, rewrapped };
    }
    return { oldKeyId: old.id, newKeyId: fresh.id, rewrapped, newKeyFile: written };
  }
}

/** Rewraps what is still under `old` (rewrap keeps a key already under `fresh`), one transaction per database. */
function finishRotation(dbs: readonly DatabaseSync[], old: MasterKey, fresh: MasterKey): void {
  for (const db of dbs) rewrapAll(db, (wrapped) => rewrap(wrapped, old, fresh));
}

/**
 * With an operator-supplied key: the file of the key a crashed rotation was moving the data to,
 * when some data is under the loaded key and the rest under a key this platform wrote.
 */
function rotatedTo(key: MasterKey, samples: readonly Buffer[], keysDir: string): string | undefined {
  const others = new Set(samples.map((w) => wrappingKeyId(w)).filter((id) => id !== key.id));
  if (others.size !== 1 || !samples.some((w) => wrappingKeyId(w) === key.id)) return undefined;
  const file = join(keysDir, `master-${[...others][0]}.key`);
  return existsSync(file) ? file : undefined;
}

function checkWraps(key: MasterKey, samples: readonly Buffer[], keysDir: string): void {
  const other = samples.map((w) => wrappingKeyId(w)).find((id) => id !== key.id);
  if (other === undefined) return;
  throw new BulwarkError(
    "BWK_INVALID_ARGUMENT",
    `the stored data was encrypted under master key ${other ?? "(unknown format)"}, not the loaded key ${key.id}` +
      ` (after a rotation the new key is in ${join(keysDir, `master-${other ?? ""}.key`)})`,
  );
}

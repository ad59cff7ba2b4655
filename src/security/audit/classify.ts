// Names what happened when a record does not fit the chain. A broken link alone says "something
// changed here"; these rules use what the stored hashes still prove to tell an edit from a
// deletion, an insertion or a reorder. The verdict is a best reading of the evidence; the seq is
// always the first record that cannot be trusted.

import type { DatabaseSync, StatementSync } from "node:sqlite";
import { recordHash } from "./record-hash.ts";
import { RECORD_COLUMNS, decodeRecord } from "./rows.ts";
import type { StoredRecord } from "./rows.ts";
import type { TamperKind } from "./types.ts";

/** How far back a renumbered record is searched for: covers deleting up to this many records before it. */
const MAX_RENUMBER_SHIFT = 1024;

export interface Link {
  seq: number;
  hash: string;
}

export interface Failure {
  ok: false;
  problem: TamperKind;
  seq: number;
  detail: string;
}

export function failure(problem: TamperKind, seq: number, detail: string): Failure {
  return { ok: false, problem, seq, detail };
}

/** Point lookups for the failure path only; a full scan by hash there is fine, appends stay index-light. */
export class ChainLookup {
  readonly #bySeq: StatementSync;
  readonly #byHash: StatementSync;
  readonly #genesis: string;

  constructor(db: DatabaseSync, genesis: string) {
    this.#bySeq = db.prepare(`SELECT ${RECORD_COLUMNS} FROM audit_records WHERE seq = ?`);
    this.#byHash = db.prepare("SELECT seq FROM audit_records WHERE hash = ? ORDER BY seq LIMIT 1");
    this.#genesis = genesis;
  }

  recordAt(seq: number): StoredRecord | undefined {
    const row = this.#bySeq.get(seq);
    return row === undefined ? undefined : decodeRecord(row);
  }

  /** Where the record with this hash is stored now; 0 for the genesis hash. */
  seqOfHash(hash: string): number | undefined {
    if (hash === this.#genesis) return 0;
    const seq = this.#byHash.get(hash)?.["seq"];
    return typeof seq === "number" ? seq : undefined;
  }
}

/** Checks `rec` (stored at the expected seq) against its predecessor `prev`; undefined if it fits. */
export function checkLink(lookup: ChainLookup, prev: Link, rec: StoredRecord): Failure | undefined {
  const selfOk = recordHash(rec) === rec.hash;
  const linkOk = rec.prevHash === prev.hash;
  if (selfOk && linkOk) return undefined;
  const n = rec.seq;

  if (linkOk) {
    const next = lookup.recordAt(n + 1);
    if (next !== undefined && next.prevHash === prev.hash) {
      return failure("inserted", n, `record ${n} is not in the chain: record ${n + 1} links straight to record ${prev.seq}`);
    }
    return failure("edited", n, `record ${n} no longer matches its stored hash`);
  }

  // The link is broken: find where the record this one points back to is stored now.
  const origin = lookup.seqOfHash(rec.prevHash);
  if (origin !== undefined && origin >= n) {
    return failure("reordered", n, `record ${n} follows the record now stored at seq ${origin}, which comes after it`);
  }
  if (origin !== undefined && origin < prev.seq) {
    const first = origin + 1;
    const which = first === prev.seq ? `record ${first} is` : `records ${first}..${prev.seq} are`;
    return failure("inserted", first, `${which} not in the chain: record ${n} links to record ${origin}`);
  }
  if (selfOk) {
    // Intact on its own but pointing at a hash no record has: its predecessor was rewritten and
    // re-hashed (or, equally early, this record's link was); the predecessor is the first suspect.
    const suspect = Math.max(prev.seq, 1);
    return failure("edited", suspect, `record ${n} links to a hash no record has: record ${suspect} was rewritten`);
  }
  const movedFrom = originalSeq(rec);
  if (movedFrom !== undefined) {
    return failure("deleted", n, `record stored at seq ${n} was written as seq ${movedFrom}: ${movedFrom - n} record(s) deleted and the rest renumbered`);
  }
  return failure("edited", n, `record ${n} no longer matches its stored hash nor links to record ${prev.seq}`);
}

/** The seq a renumbered record was written with, found by trying later seqs against its own hash. */
function originalSeq(rec: StoredRecord): number | undefined {
  for (let seq = rec.seq + 1; seq <= rec.seq + MAX_RENUMBER_SHIFT; seq++) {
    if (recordHash({ ...rec, seq }) === rec.hash) return seq;
  }
  return undefined;
}

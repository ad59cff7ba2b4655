// Moves webhook tokens from the legacy keys/siem-token.key under the master key, at every start
// (a no-op once done). Each token is opened with the old key, sealed with the master key's
// envelope encryption and its old form erased in one transaction.
//
// The old key file is then removed, not kept: once nothing depends on it, it only adds a second
// key to back up and guard, and it would still open the tokens in any older copy of the database.
// It goes only after the moved tokens are durable (a WAL checkpoint syncs them to the database
// file; the platform's synchronous=NORMAL does not sync each commit), and never while a token it
// protects is left: a token that does not open keeps the key and its row for the operator.
import type { DatabaseSync } from "node:sqlite";
import { loadLegacyTokenKey, removeLegacyTokenKey } from "./legacy-token-key.ts";
import type { TokenSealer } from "./outbox.ts";
import { OutboxStore } from "./store.ts";

export interface TokenMigration {
  /** Sinks whose token now lies under the master key. */
  moved: string[];
  /** Sinks whose legacy token did not open (edited, or the key file is gone): left as they were. */
  unreadable: string[];
  /** Whether keys/siem-token.key was removed by this run. */
  keyRemoved: boolean;
}

export function migrateLegacyTokens(db: DatabaseSync, keysDir: string, sealer: Pick<TokenSealer, "seal">): TokenMigration {
  const store = new OutboxStore(db);
  const legacy = store.legacyTokens();
  const key = legacy.length > 0 ? loadLegacyTokenKey(keysDir) : undefined;
  const moved: string[] = [];
  const unreadable: string[] = [];
  for (const { sink, protectedToken } of legacy) {
    let token: string;
    try {
      if (key === undefined) throw new Error("no legacy key");
      token = key.open(protectedToken);
    } catch {
      unreadable.push(sink);
      continue;
    }
    store.replaceLegacyToken(sink, sealer.seal(sink, token));
    moved.push(sink);
  }
  if (unreadable.length > 0 || (moved.length > 0 && !checkpointed(db))) return { moved, unreadable, keyRemoved: false };
  return { moved, unreadable, keyRemoved: removeLegacyTokenKey(keysDir) };
}

/** True when every commit is synced to the database file; a busy checkpoint leaves the key for the next start. */
function checkpointed(db: DatabaseSync): boolean {
  const result = db.prepare("PRAGMA wal_checkpoint(FULL)").get() as { busy: number } | undefined;
  return result === undefined || result.busy === 0;
}

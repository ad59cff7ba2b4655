// The limit-override port: operators' tightened limits per stage and function (`bulwark limits`),
// kept across restarts and redeploys until cleared. One interface here; adapters live in sqlite/.

export interface LimitOverrideEntry {
  stage: string;
  function: string;
  /** The rate as written ("10/s"), parsed again on load by the manifest's parser. */
  rate?: string;
  concurrency?: number;
  /** The audit actor id of whoever set it last. */
  by: string;
  /** ISO 8601. */
  at: string;
}

export interface LimitOverrideStore {
  /** Sets the function's override, replacing the one it had. */
  put(entry: LimitOverrideEntry): void;
  /** False when the function had none. */
  remove(stage: string, fn: string): boolean;
  /** Every entry, ordered by stage and function. */
  list(): LimitOverrideEntry[];
}

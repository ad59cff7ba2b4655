// Limit overrides: an operator tightens one function's limits in one stage at run time
// (`bulwark limits set FN --rate 1/s --concurrency 2`) and lifts them (`bulwark limits clear FN`).
// The rate is a bucket the edge checks on every route of the function; the concurrency caps the
// invoker's pools, which read it when they are made: changing it retires the function's sandboxes
// in that stage (idle ones now, busy ones when their invocation ends), so the next pool has the cap.
// Overrides survive restarts and redeploys: the store is the record, and the entries are also held
// here, written through on every change, so the edge's check per request is a map lookup.
import { BulwarkError } from "../core/errors.ts";
import { overrideRate, type LimitOverride } from "../core/limit-override.ts";
import type { RateLimit } from "../core/manifest/protection.ts";
import type { LimitOverrideEntry, LimitOverrideStore } from "../store/limit-overrides.ts";
import type { Stage } from "./auth/principal.ts";
import { stageKey, type SandboxRetirer } from "./quarantine.ts";

interface Held {
  entry: LimitOverrideEntry;
  rate?: RateLimit;
}

export class LimitOverrides {
  readonly #store: LimitOverrideStore;
  readonly #retire: SandboxRetirer;
  readonly #held = new Map<string, Held>();

  constructor(store: LimitOverrideStore, retire: SandboxRetirer) {
    this.#store = store;
    this.#retire = retire;
    for (const entry of store.list()) this.#hold(entry);
  }

  /**
   * Sets what `change` names and keeps the rest of the function's override: a second brake does
   * not silently release the first. The caller has checked that it only tightens.
   */
  async set(stage: Stage, fn: string, change: LimitOverride, by: string, now = new Date()): Promise<LimitOverrideEntry> {
    const before = this.#held.get(stageKey(stage, fn))?.entry;
    const entry: LimitOverrideEntry = {
      ...before,
      stage,
      function: fn,
      ...(change.rate === undefined ? {} : { rate: change.rate.text }),
      ...(change.concurrency === undefined ? {} : { concurrency: change.concurrency }),
      by,
      at: now.toISOString(),
    };
    this.#store.put(entry);
    this.#hold(entry);
    if (entry.concurrency !== before?.concurrency) await this.#retire(stage, fn);
    return entry;
  }

  /** Lifts the function's override and returns what it was; BWK_NOT_FOUND when there was none. */
  async clear(stage: Stage, fn: string): Promise<LimitOverrideEntry> {
    const held = this.#held.get(stageKey(stage, fn));
    if (held === undefined || !this.#store.remove(stage, fn)) {
      throw new BulwarkError("BWK_NOT_FOUND", `${fn} has no limit override in the ${stage} stage`);
    }
    this.#held.delete(stageKey(stage, fn));
    if (held.entry.concurrency !== undefined) await this.#retire(stage, fn);
    return held.entry;
  }

  list(stage: Stage): LimitOverrideEntry[] {
    return [...this.#held.values()].map((h) => h.entry).filter((e) => e.stage === stage).sort((a, b) => a.function.localeCompare(b.function));
  }

  rate(stage: Stage, fn: string): RateLimit | undefined {
    return this.#held.get(stageKey(stage, fn))?.rate;
  }

  concurrency(stage: Stage, fn: string): number | undefined {
    return this.#held.get(stageKey(stage, fn))?.entry.concurrency;
  }

  #hold(entry: LimitOverrideEntry): void {
    this.#held.set(stageKey(entry.stage, entry.function), { entry, ...(entry.rate === undefined ? {} : { rate: overrideRate(entry.rate) }) });
  }
}

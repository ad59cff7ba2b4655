// Folds a flood of identical refusals into a few events. An attacker hammering a rate limit or a
// denied address would otherwise write one security event per request: rows in the database, items
// in every SIEM outbox, as fast as they can send. The first refusal of a key in a window is recorded
// at once; the rest of that window are counted, and when the window ends its last refusal is
// recorded carrying how many were folded before it (details.suppressed). Every event thus stands
// for 1 + suppressed refusals, and a flood that just stops still has its count recorded. Windows
// end on one unref'd timer per sampler (a flood of keys must not be a flood of timers), and
// flush() ends them all when the platform stops. Metrics still count every refusal.

export interface RepeatSamplerOptions {
  /** How long one recorded event stands for its repeats (default 10 s). */
  windowMs?: number;
  /** Keys remembered at most; past it, the oldest window ends early (its count is recorded). */
  maxKeys?: number;
}

/** Records one refusal, with the number of refusals of its key folded into it. */
export type RecordRepeat = (suppressed: number) => void;

interface Window {
  until: number;
  suppressed: number;
  /** Records the window's last folded refusal when it ends. */
  record: RecordRepeat;
}

export class RepeatSampler {
  readonly #windowMs: number;
  readonly #maxKeys: number;
  /** Map order is insertion order and a new window is re-inserted: oldest and soonest-ending first. */
  readonly #windows = new Map<string, Window>();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: RepeatSamplerOptions = {}) {
    this.#windowMs = options.windowMs ?? 10_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /**
   * One refusal of `key` at `now` (Date.now()'s clock, which the timer reads). The first of a window
   * is recorded at once through `record(0)`. The others are folded, and the last of them is recorded
   * through its `record` when the window ends.
   */
  admit(key: string, now: number, record: RecordRepeat): void {
    const window = this.#windows.get(key);
    if (window !== undefined && now < window.until) {
      window.suppressed++;
      window.record = record;
      // The oldest window ends first (map order): waking then misses no window's end.
      this.#timer ??= this.#wake(this.#windows.values().next().value!.until - now);
      return;
    }
    // A window whose end the timer has not reached yet is ended here, so its count comes first.
    if (window !== undefined) this.#end(key, window);
    if (this.#windows.size >= this.#maxKeys) this.#endOldest();
    this.#windows.set(key, { until: now + this.#windowMs, suppressed: 0, record });
    record(0);
  }

  /** Ends every window now, recording what each folded (the platform is stopping). */
  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const [key, window] of this.#windows) this.#end(key, window);
  }

  /** Forgets the window and records its folded refusals, if it folded any. */
  #end(key: string, window: Window): void {
    this.#windows.delete(key);
    if (window.suppressed > 0) window.record(window.suppressed - 1);
  }

  #endOldest(): void {
    const oldest = this.#windows.entries().next();
    if (!oldest.done) this.#end(oldest.value[0], oldest.value[1]);
  }

  #wake(delayMs: number): NodeJS.Timeout {
    return setTimeout(() => this.#endDue(), Math.max(0, delayMs)).unref();
  }

  /** Records and forgets the windows that ended, then sleeps until the next one ends. */
  #endDue(): void {
    this.#timer = undefined;
    const now = Date.now();
    for (const [key, window] of this.#windows) {
      if (window.until > now) {
        this.#timer = this.#wake(window.until - now);
        return;
      }
      this.#end(key, window);
    }
  }
}

// Folds a flood of identical refusals into one event per window. An attacker hammering a rate limit
// or a denied address would otherwise write one security event per request: rows in the database,
// items in every SIEM outbox, as fast as they can send. The first refusal of a key in a window is
// recorded; the rest of that window are counted, and the count rides on the key's next recorded
// event (details.suppressed). Metrics still count every refusal.

export interface RepeatSamplerOptions {
  /** How long one recorded event stands for its repeats (default 10 s). */
  windowMs?: number;
  /** Keys remembered at most; past it, the oldest are forgotten (their next refusal is recorded). */
  maxKeys?: number;
}

interface Window {
  until: number;
  suppressed: number;
}

export class RepeatSampler {
  readonly #windowMs: number;
  readonly #maxKeys: number;
  readonly #windows = new Map<string, Window>();

  constructor(options: RepeatSamplerOptions = {}) {
    this.#windowMs = options.windowMs ?? 10_000;
    this.#maxKeys = options.maxKeys ?? 10_000;
  }

  /**
   * Whether this refusal is recorded: the number of refusals of the same key folded since its last
   * recorded event (0 for a first one), or undefined when this one is folded into that event.
   */
  admit(key: string, now: number): number | undefined {
    const window = this.#windows.get(key);
    if (window !== undefined && now < window.until) {
      window.suppressed++;
      return undefined;
    }
    const suppressed = window?.suppressed ?? 0;
    this.#windows.delete(key);
    if (this.#windows.size >= this.#maxKeys) this.#forgetOldest();
    this.#windows.set(key, { until: now + this.#windowMs, suppressed: 0 });
    return suppressed;
  }

  /** Map order is insertion order, and an admitted key is re-inserted: the first is the oldest. */
  #forgetOldest(): void {
    const oldest = this.#windows.keys().next();
    if (!oldest.done) this.#windows.delete(oldest.value);
  }
}

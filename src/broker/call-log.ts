// Every broker call, counted in memory and written in batches off the call path: one
// transaction per FLUSH_MS, not one per call. A write per event-loop tick was measured on the
// round trip: with one sandbox calling in a loop, every call was followed by a SQLite commit
// that the next call queued behind. Bounded: past MAX_PENDING distinct tuples a batch is written
// at once; readers (`calls`) and the platform's stop flush first, so nothing counted is missed.
// A crash loses at most FLUSH_MS of counts, which only feed `policy suggest` and `policy lint`
// (refusals are also security events and audit records, written by records.ts).
// Resources are the names the function asked for (never tenant partitions).
import type { CallCount, CallLogStore } from "../store/call-log.ts";

const MAX_PENDING = 5_000;
const MAX_RESOURCE = 300;
const FLUSH_MS = 1_000;

export class CallRecorder {
  readonly #store: CallLogStore;
  #pending = new Map<string, Omit<CallCount, "lastAt"> & { lastMs: number }>();
  #timer: NodeJS.Timeout | undefined;
  #dropped = 0;

  constructor(store: CallLogStore) {
    this.#store = store;
  }

  /** Tuples the store refused at its bound since start. */
  get dropped(): number {
    return this.#dropped;
  }

  record(fn: string, action: string, resource: string, allowed: boolean): void {
    const cut = resource.slice(0, MAX_RESOURCE);
    // NUL cannot occur in a function name or an action, so the key is unambiguous.
    const key = `${fn}\u0000${action}\u0000${allowed ? 1 : 0}\u0000${cut}`;
    const entry = this.#pending.get(key);
    if (entry !== undefined) {
      entry.count++;
      entry.lastMs = Date.now();
    } else {
      this.#pending.set(key, { function: fn, action, resource: cut, allowed, count: 1, lastMs: Date.now() });
    }
    if (this.#pending.size >= MAX_PENDING) this.flush();
    else this.#timer ??= setTimeout(() => this.flush(), FLUSH_MS).unref();
  }

  flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#pending.size === 0) return;
    const batch: CallCount[] = [...this.#pending.values()].map(({ lastMs, ...c }) => ({ ...c, lastAt: new Date(lastMs).toISOString() }));
    this.#pending = new Map();
    this.#dropped += this.#store.add(batch);
  }

  calls(fn: string): CallCount[] {
    this.flush();
    return this.#store.calls(fn);
  }
}

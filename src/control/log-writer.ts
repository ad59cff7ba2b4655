// Function log lines are written in batches, off the invocation path: one transaction per tick
// instead of one per line.
import type { InvokerLogEntry } from "../invoker/invoker.ts";
import type { LogEntry, StateStore } from "../store/state.ts";

const MAX_MESSAGE = 8 * 1024;
const MAX_PENDING = 50_000;

export class LogWriter {
  readonly #state: StateStore;
  #pending: LogEntry[] = [];
  #scheduled = false;
  #dropped = 0;

  constructor(state: StateStore) {
    this.#state = state;
  }

  add(entry: InvokerLogEntry): void {
    if (this.#pending.length >= MAX_PENDING) {
      // A function that logs faster than the disk takes it loses lines, not the platform's memory.
      this.#dropped++;
      return;
    }
    const message = entry.message.length > MAX_MESSAGE ? `${entry.message.slice(0, MAX_MESSAGE)}… [truncated]` : entry.message;
    this.#pending.push({
      time: new Date().toISOString(),
      function: entry.function,
      version: entry.version,
      requestId: entry.requestId,
      level: entry.level,
      message,
    });
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.#scheduled = false;
    if (this.#dropped > 0) {
      const first = this.#pending[0];
      if (first) this.#pending.push({ ...first, requestId: null, level: "warn", message: `${this.#dropped} log lines dropped` });
      this.#dropped = 0;
    }
    const batch = this.#pending;
    this.#pending = [];
    this.#state.appendLogs(batch);
  }
}

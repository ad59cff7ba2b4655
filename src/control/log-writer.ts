// Function log lines are written in batches, off the invocation path: one transaction per tick
// instead of one per line. Every line is redacted before it is written (CWE-532): secret values,
// credentials by shape, and the PII fields the function's manifest names under `redact`.
import type { InvokerLogEntry } from "../invoker/invoker.ts";
import { createLogRedactor, type LogRedactor } from "../security/log-redaction.ts";
import type { LogEntry, StateStore } from "../store/state.ts";

const MAX_MESSAGE = 8 * 1024;
const MAX_PENDING = 50_000;

export interface LogWriterOptions {
  /** The secret values functions may read; redacted from every line wherever they appear. */
  secretValues?: () => Iterable<string>;
}

export class LogWriter {
  readonly #state: StateStore;
  readonly #secretValues: (() => Iterable<string>) | undefined;
  /** One redactor per function (its PII paths), rebuilt on deploy; `#default` for the rest. */
  #redactors = new Map<string, LogRedactor>();
  #default: LogRedactor;
  #pending: LogEntry[] = [];
  #scheduled = false;
  #dropped = 0;

  constructor(state: StateStore, options: LogWriterOptions = {}) {
    this.#state = state;
    this.#secretValues = options.secretValues;
    this.#default = this.#redactor([]);
  }

  /** The PII paths of each serving function (manifest `redact`); called on every deploy. */
  setRedaction(pathsByFunction: ReadonlyMap<string, readonly string[]>): void {
    // Lines still pending were logged under the old paths: write them with those.
    this.flush();
    this.#redactors = new Map([...pathsByFunction].map(([fn, paths]) => [fn, this.#redactor(paths)]));
  }

  add(entry: InvokerLogEntry): void {
    if (this.#pending.length >= MAX_PENDING) {
      // A function that logs faster than the disk takes it loses lines, not the platform's memory.
      this.#dropped++;
      return;
    }
    this.#pending.push({
      time: new Date().toISOString(),
      function: entry.function,
      version: entry.version,
      requestId: entry.requestId,
      level: entry.level,
      message: entry.message,
      traceId: entry.traceId ?? null,
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
      if (first) this.#pending.push({ ...first, requestId: null, traceId: null, level: "warn", message: `${this.#dropped} log lines dropped` });
      this.#dropped = 0;
    }
    const batch = this.#pending;
    this.#pending = [];
    for (const e of batch) {
      // Redact the whole line first, then cut it: a cut first could split a secret past recognition.
      const message = (this.#redactors.get(e.function) ?? this.#default)(e.message);
      e.message = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE)}… [truncated]` : message;
    }
    this.#state.appendLogs(batch);
  }

  #redactor(paths: readonly string[]): LogRedactor {
    return createLogRedactor({ paths, ...(this.#secretValues !== undefined && { secretValues: this.#secretValues }) });
  }
}

// The delivery loop of one sink: take the oldest pending rows, format them, send them, and only
// after the sink acknowledged delete them. On failure nothing is deleted and the loop waits with
// exponential backoff; the rows are picked up again on the next attempt, or by the next process
// that opens the same database. Delivery is at least once: a crash between the sink's
// acknowledgement and the delete sends the batch again, with the same event ids.
// A loop starts with an immediate attempt and its backoff from baseMs: after a restart the SIEM is
// tried at once; the persisted failure count is for stats, not for the schedule.

import type { Agent } from "node:https";
import type { SiemItem } from "../events.ts";
import type { TokenSealer } from "./outbox.ts";
import { backoffDelay, type RetryPolicy } from "./backoff.ts";
import { guardedLookup, type RefusedDestination } from "./destination.ts";
import { httpsAgent, postBatch } from "./deliver-https.ts";
import { sendFrames } from "./deliver-syslog.ts";
import { toOcsf } from "./ocsf.ts";
import type { OutboxRow, OutboxStore, StoredSink } from "./store.ts";
import { frameOctetCounted, toSyslogCef, type SyslogOptions } from "./syslog.ts";

export interface WorkerDeps {
  store: OutboxStore;
  clock: () => number;
  retry: RetryPolicy;
  format: SyslogOptions;
  /** Longest one delivery attempt may take before it counts as failed. */
  timeoutMs: number;
  tokenSealer: Pick<TokenSealer, "open"> | undefined;
  /** The sink's token did not open; called once per loop, not per retry. */
  tokenUnreadable: (sink: string) => void;
  /** A connection was refused for where it led (destination.ts); once per address per loop, not per retry. */
  destinationRefused: (refused: RefusedDestination) => void;
  /** Rows that left the pending set (delivered or dead), for the outbox's pending count. */
  settled: (sink: string, count: number) => void;
}

// A syslog receiver that keeps the connection open after our end of stream gets this long to close.
const SYSLOG_CLOSE_WAIT_MS = 2_000;
// Rows are normally announced by wake(); the poll is a backstop, not the delivery path.
const IDLE_POLL_MS = 5_000;

export class SinkWorker {
  readonly #sink: StoredSink;
  readonly #deps: WorkerDeps;
  readonly #abort = new AbortController();
  readonly #agent: Agent | undefined;
  #stopped = false;
  #reportedUnreadable = false;
  readonly #reportedDestinations = new Set<string>();
  #interrupt: (() => void) | undefined;
  #idle = false;
  #loop: Promise<void> | undefined;

  constructor(sink: StoredSink, deps: WorkerDeps) {
    this.#sink = sink;
    this.#deps = deps;
    this.#agent = sink.settings.kind === "ocsf-https" ? httpsAgent(sink.settings.ca) : undefined;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** New rows arrived: end an idle wait at once (a backoff wait is left to run its course). */
  wake(): void {
    if (this.#idle) this.#interrupt?.();
  }

  /** Stops after aborting any attempt in flight; its rows stay pending. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort();
    this.#interrupt?.();
    await this.#loop;
    this.#agent?.destroy();
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      try {
        const rows = this.#deps.store.due(this.#sink.name, this.#sink.settings.batchSize);
        if (rows.length === 0) {
          await this.#wait(IDLE_POLL_MS, true);
          continue;
        }
        await this.#deliver(rows);
        failures = 0;
      } catch (e) {
        if (this.#stopped) break;
        failures += 1;
        this.#recordFailure(e);
        await this.#wait(backoffDelay(failures, this.#deps.retry), false);
      }
    }
  }

  #recordFailure(e: unknown): void {
    try {
      this.#deps.store.recordFailure(this.#sink.name, describe(e), this.#deps.clock());
    } catch {
      // The database itself is failing: the next attempt will meet the same error and try again.
    }
  }

  async #deliver(rows: OutboxRow[]): Promise<void> {
    const readable: Array<{ id: number; item: SiemItem }> = [];
    for (const row of rows) {
      try {
        readable.push({ id: row.id, item: JSON.parse(row.payload) as SiemItem });
      } catch {
        // Only a corrupted database gets here; the row is kept, marked, and counted, not retried forever.
        this.#deps.store.markDead(row.id, "payload is not valid JSON");
        this.#deps.settled(this.#sink.name, 1);
      }
    }
    if (readable.length === 0) return;
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#deps.timeoutMs)]);
    await this.#send(readable.map((r) => r.item), signal);
    const removed = this.#deps.store.ack(this.#sink.name, readable.map((r) => r.id), this.#deps.clock());
    this.#deps.settled(this.#sink.name, removed);
  }

  #send(items: SiemItem[], signal: AbortSignal): Promise<void> {
    const s = this.#sink.settings;
    if (s.kind === "ocsf-https") {
      const lookup = this.#lookup(new URL(s.url).hostname);
      const body = JSON.stringify(items.map((i) => toOcsf(i, this.#deps.format)));
      return postBatch({ url: s.url, token: this.#token(), agent: this.#agent!, lookup }, body, signal);
    }
    const lookup = this.#lookup(s.host);
    const frames = Buffer.concat(items.map((i) => frameOctetCounted(toSyslogCef(i, this.#deps.format))));
    return sendFrames({ ...s, lookup }, frames, signal, Math.min(SYSLOG_CLOSE_WAIT_MS, this.#deps.timeoutMs));
  }

  #lookup(host: string) {
    return guardedLookup(this.#sink.name, host, (refused) => {
      if (this.#reportedDestinations.has(refused.address)) return;
      this.#reportedDestinations.add(refused.address);
      this.#deps.destinationRefused(refused);
    });
  }

  /** The token is read and opened per batch and never kept: it lives only as long as the request. */
  #token(): string {
    const sealed = this.#deps.store.token(this.#sink.name);
    if (sealed === undefined) throw new Error("the sink has no token sealed under the master key; remove and add it again");
    if (this.#deps.tokenSealer === undefined) throw new Error("no token sealer configured to open this sink's token");
    try {
      return this.#deps.tokenSealer.open(this.#sink.name, sealed);
    } catch {
      // The cause is not passed on: it goes to stats and logs, and must never carry token bytes.
      if (!this.#reportedUnreadable) {
        this.#reportedUnreadable = true;
        this.#deps.tokenUnreadable(this.#sink.name);
      }
      throw new Error("the sink's token failed its integrity check");
    }
  }

  #wait(ms: number, idle: boolean): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#interrupt = undefined;
        this.#idle = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      timer.unref();
      this.#interrupt = done;
      this.#idle = idle;
    });
  }
}

/** One line, bounded, without control characters: it is stored and shown in stats. */
function describe(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  return message.replace(/[\u0000-\u001f\u007f]+/g, " ").slice(0, 300);
}

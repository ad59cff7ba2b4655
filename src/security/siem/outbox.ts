// The durable SIEM outbox. enqueue() writes one row per (item, sink) synchronously, before it
// returns; a delivery loop per sink sends rows and deletes them only once the sink acknowledged
// them. A sink that is down loses nothing: its rows wait in the table, across restarts too (a new
// SiemOutbox on the same database file carries on where the last one stopped).
//
// Bound: each sink holds at most maxPendingPerSink undelivered rows. Beyond it an item is NOT
// stored for that sink — otherwise an attacker who floods WAF matches while the SIEM is down could
// fill the disk, or, if enqueue threw, turn a SIEM outage into a platform outage. That refusal is
// never silent: the sink's persisted `overflowed` counter grows, stats() shows it and onOverflow is
// called for each refused item. Audit records also remain in the audit log, their source of truth.
//
// Durability is SQLite's: with journal_mode=WAL and synchronous=NORMAL (the platform's choice) a
// committed row survives a process crash; only an OS crash or power loss can take the last commits.
// One SiemOutbox per database: two running on one file would each deliver every row.

import { hostname as osHostname } from "node:os";
import type { DatabaseSync } from "node:sqlite";
import { BulwarkError } from "../../core/errors.ts";
import type { SealedValue } from "../../store/sealed.ts";
import { itemId, type SiemItem } from "../events.ts";
import type { RetryPolicy } from "./backoff.ts";
import type { RefusedDestination } from "./destination.ts";
import { boundedPayload, checkItem } from "./item.ts";
import { DEFAULT_PRODUCT_VERSION } from "./product.ts";
import { infoOf, settingsOf, validateSinkConfig, type SinkConfig, type SinkInfo } from "./sinks.ts";
import { SinkWorker } from "./sink-worker.ts";
import { OutboxStore, type SinkCounters } from "./store.ts";

/**
 * At-rest protection of webhook tokens, supplied by the caller: the platform's is the master key's
 * envelope encryption, bound to the sink's name so a token copied onto another sink does not open.
 */
export interface TokenSealer {
  seal(sink: string, token: string): SealedValue;
  /** Throws when the sealed token does not open as this sink's (edited, swapped, another key). */
  open(sink: string, sealed: SealedValue): string;
}

export interface SiemOutboxOptions {
  /** Epoch milliseconds; stamps rows and attempts. */
  clock?: () => number;
  retry: RetryPolicy;
  /** Required before an ocsf-https sink can be added or delivered to: tokens are never stored in clear. */
  tokenSealer?: TokenSealer;
  /** A sink's stored token did not open (once per delivery loop): the caller records it as tampering. */
  onTokenUnreadable?: (sink: string) => void;
  /** A delivery was refused for the address its connection led to (destination.ts): the caller records it. */
  onDestinationRefused?: (refused: RefusedDestination) => void;
  productVersion?: string;
  /** Syslog HOSTNAME; this machine's name by default. */
  hostname?: string;
  /** Undelivered rows a sink may hold before new items are refused for it (default 100 000). */
  maxPendingPerSink?: number;
  onOverflow?: (overflow: { sink: string; itemId: string; pending: number }) => void;
  /** Longest one delivery attempt may take (default 15 s). */
  deliveryTimeoutMs?: number;
}

export type SinkStats = SinkCounters;

export interface SiemStats {
  running: boolean;
  sinks: SinkStats[];
}

const DEFAULT_MAX_PENDING = 100_000;
const DEFAULT_TIMEOUT_MS = 15_000;

export class SiemOutbox {
  readonly #store: OutboxStore;
  readonly #options: SiemOutboxOptions;
  readonly #clock: () => number;
  readonly #maxPending: number;
  /** Sink names, in memory so enqueue does no read; with their pending counts for the bound. */
  readonly #pending = new Map<string, number>();
  readonly #workers = new Map<string, SinkWorker>();
  /** Workers of removed sinks still finishing an attempt; stop() waits for them too. */
  readonly #retiring = new Set<Promise<void>>();
  #running = false;

  constructor(db: DatabaseSync, options: SiemOutboxOptions) {
    const { baseMs, maxMs } = options.retry;
    if (!(Number.isFinite(baseMs) && baseMs > 0 && Number.isFinite(maxMs) && maxMs >= baseMs)) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", "siem retry: baseMs must be positive and maxMs at least baseMs");
    }
    for (const [name, value] of [["maxPendingPerSink", options.maxPendingPerSink], ["deliveryTimeoutMs", options.deliveryTimeoutMs]] as const) {
      if (value !== undefined && !(Number.isSafeInteger(value) && value > 0)) {
        throw new BulwarkError("BWK_INVALID_ARGUMENT", `siem ${name} must be a positive integer`);
      }
    }
    this.#store = new OutboxStore(db);
    this.#options = options;
    this.#clock = options.clock ?? Date.now;
    this.#maxPending = options.maxPendingPerSink ?? DEFAULT_MAX_PENDING;
    const counts = this.#store.pendingBySink();
    for (const sink of this.#store.sinks()) this.#pending.set(sink.name, counts.get(sink.name) ?? 0);
  }

  addSink(config: SinkConfig): void {
    const valid = validateSinkConfig(config);
    let token: SealedValue | null = null;
    if (valid.kind === "ocsf-https") {
      const sealer = this.#options.tokenSealer;
      if (sealer === undefined) {
        throw new BulwarkError("BWK_INVALID_ARGUMENT", `sink ${valid.name}: an https sink needs a token sealer configured on the outbox`);
      }
      token = sealer.seal(valid.name, valid.token);
    }
    if (!this.#store.insertSink(valid.name, settingsOf(valid), token, this.#clock())) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `sink ${valid.name} already exists; remove it first`);
    }
    this.#pending.set(valid.name, 0);
    if (this.#running) this.#startWorker(valid.name);
  }

  /** Removes the sink and drops what was still waiting for it (an operator's explicit choice). */
  removeSink(name: string): void {
    const worker = this.#workers.get(name);
    this.#workers.delete(name);
    if (worker !== undefined) {
      const stopping = worker.stop().finally(() => this.#retiring.delete(stopping));
      this.#retiring.add(stopping);
    }
    if (!this.#store.deleteSink(name)) throw new BulwarkError("BWK_NOT_FOUND", `no SIEM sink named ${name}`);
    this.#pending.delete(name);
  }

  listSinks(): SinkInfo[] {
    return this.#store.sinks().map((s) => infoOf(s.name, s.createdAt, s.settings));
  }

  /** Durable before it returns: one row per sink, in one statement. Never blocks on a sink. */
  enqueue(item: SiemItem): void {
    this.enqueueMany([item]);
  }

  /**
   * Many items in one transaction: what a producer batching events off the request path should
   * call (one commit instead of one per item). All are checked before any is stored.
   */
  enqueueMany(items: readonly SiemItem[]): void {
    for (const item of items) checkItem(item);
    if (this.#pending.size === 0 || items.length === 0) return;
    const prepared = items.map((item) => ({ id: itemId(item), payload: boundedPayload(item) }));
    const counts = new Map(this.#pending);
    const refused: Array<{ sink: string; itemId: string; pending: number }> = [];
    this.#store.transaction(() => {
      for (const { id, payload } of prepared) {
        const accepted: string[] = [];
        for (const [sink, pending] of counts) {
          if (pending < this.#maxPending) accepted.push(sink);
          else refused.push({ sink, itemId: id, pending });
        }
        if (accepted.length > 0) this.#store.insertItem(id, payload, accepted, this.#clock());
        for (const sink of accepted) counts.set(sink, counts.get(sink)! + 1);
      }
      for (const r of refused) this.#store.recordOverflow(r.sink);
    });
    // Committed: only now do the in-memory counts and the delivery loops learn of the new rows.
    for (const [sink, n] of counts) {
      if (n === this.#pending.get(sink)) continue;
      this.#pending.set(sink, n);
      this.#workers.get(sink)?.wake();
    }
    for (const r of refused) this.#options.onOverflow?.(r);
  }

  /** Starts one delivery loop per sink; rows left by an earlier process are delivered first. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    for (const name of this.#pending.keys()) this.#startWorker(name);
  }

  /** Stops every loop; an attempt in flight is abandoned and its rows stay pending. */
  async stop(): Promise<void> {
    this.#running = false;
    const workers = [...this.#workers.values()];
    this.#workers.clear();
    await Promise.all([...workers.map((w) => w.stop()), ...this.#retiring]);
  }

  stats(): SiemStats {
    return { running: this.#running, sinks: this.#store.counters() };
  }

  #startWorker(name: string): void {
    const sink = this.#store.sinks().find((s) => s.name === name);
    if (sink === undefined) return;
    const worker = new SinkWorker(sink, {
      store: this.#store,
      clock: this.#clock,
      retry: this.#options.retry,
      format: {
        productVersion: this.#options.productVersion ?? DEFAULT_PRODUCT_VERSION,
        hostname: this.#options.hostname ?? osHostname(),
        procId: String(process.pid),
      },
      timeoutMs: this.#options.deliveryTimeoutMs ?? DEFAULT_TIMEOUT_MS,
      tokenSealer: this.#options.tokenSealer,
      tokenUnreadable: (sink) => this.#options.onTokenUnreadable?.(sink),
      destinationRefused: (refused) => this.#options.onDestinationRefused?.(refused),
      settled: (s, n) => {
        const pending = this.#pending.get(s);
        if (pending !== undefined) this.#pending.set(s, Math.max(0, pending - n));
      },
    });
    this.#workers.set(name, worker);
    worker.start();
  }
}

// The sandboxes of one function version: warm ones are reused, at most `concurrency` live at once,
// each running up to `perSandbox` invocations at once (1 by default: Lambda's one-at-a-time), callers
// beyond that wait briefly in a bounded queue, idle ones are reaped.
//
// A new invocation goes to the busiest sandbox that still has room, so load packs onto as few
// processes as it needs (fewer processes to wake on a small machine), and a new sandbox starts only
// when every live one is full.
import { BulwarkError } from "../core/errors.ts";
import type { Sandbox } from "../sandbox/sandbox.ts";

export interface PoolDeps {
  /** Starts (or takes a spare and loads) a sandbox with this version's bundle. */
  create(): Promise<Sandbox>;
  /** Most sandboxes alive at once. */
  concurrency: number;
  /** Most invocations one sandbox runs at once (default 1). */
  perSandbox?: number;
  maxWaiters: number;
  /** How long a caller may wait for a free sandbox. */
  maxWaitMs: number;
}

interface Waiter {
  resolve(lease: Lease): void;
  reject(e: unknown): void;
  timer: NodeJS.Timeout;
}

export interface Lease {
  sandbox: Sandbox;
  cold: boolean;
}

/** A started sandbox and how many invocations it is running. */
interface Slot {
  sandbox: Sandbox;
  busy: number;
  /** When `busy` last fell to 0. */
  idleSince: number;
}

export class FunctionPool {
  readonly #deps: PoolDeps;
  readonly #perSandbox: number;
  readonly #slots: Slot[] = [];
  readonly #waiters: Waiter[] = [];
  #starting = 0;
  #draining = false;

  constructor(deps: PoolDeps) {
    this.#deps = deps;
    this.#perSandbox = deps.perSandbox ?? 1;
  }

  /** Sandboxes alive or starting. */
  get live(): number {
    return this.#slots.length + this.#starting;
  }

  /** A live sandbox could take one more invocation now, without starting another. */
  get hasRoom(): boolean {
    return !this.#draining && this.#slots.some((slot) => slot.sandbox.alive && slot.busy < this.#perSandbox);
  }

  /** Sandboxes running no invocation. */
  get idle(): number {
    return this.#slots.reduce((n, slot) => n + (slot.busy === 0 ? 1 : 0), 0);
  }

  async acquire(): Promise<Lease> {
    const slot = this.#roomiest();
    if (slot !== undefined) {
      slot.busy++;
      return { sandbox: slot.sandbox, cold: false };
    }
    if (this.live < this.#deps.concurrency) return this.#startOne();
    if (this.#waiters.length >= this.#deps.maxWaiters) throw overloaded();
    return new Promise<Lease>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
          reject(overloaded());
        }, this.#deps.maxWaitMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /**
   * Ends one invocation's lease. An unhealthy sandbox is discarded, and with it whatever else it
   * was running (those invocations fail on their own when it dies).
   */
  release(sandbox: Sandbox, healthy: boolean): void {
    const index = this.#slots.findIndex((s) => s.sandbox === sandbox);
    if (index === -1) return; // discarded already, by another invocation it was running
    const slot = this.#slots[index]!;
    if (!healthy || !sandbox.alive) {
      void this.#discard(index);
      this.#serveWaiter();
      return;
    }
    // A draining pool hands its sandboxes to nobody, not even a caller already waiting: that
    // caller gets a fresh one once this one is gone.
    const waiter = this.#draining ? undefined : this.#waiters.shift();
    if (waiter) {
      clearTimeout(waiter.timer);
      waiter.resolve({ sandbox, cold: false });
      return;
    }
    slot.busy--;
    if (slot.busy > 0) return;
    slot.idleSince = Date.now();
    if (this.#draining) {
      void this.#discard(index);
      this.#serveWaiter();
    }
  }

  /** Kills sandboxes idle for longer than `idleMs`. */
  reap(now: number, idleMs: number): void {
    for (let i = this.#slots.length - 1; i >= 0; i--) {
      const slot = this.#slots[i]!;
      if ((slot.busy === 0 && now - slot.idleSince >= idleMs) || !slot.sandbox.alive) void this.#discard(i);
    }
  }

  /** Stops reusing sandboxes: idle ones die now (settles once they are gone), busy ones when released. */
  drain(): Promise<void> {
    this.#draining = true;
    const killed: Promise<void>[] = [];
    for (let i = this.#slots.length - 1; i >= 0; i--) if (this.#slots[i]!.busy === 0) killed.push(this.#discard(i));
    return Promise.all(killed).then(() => {});
  }

  get empty(): boolean {
    return this.live === 0 && this.#waiters.length === 0;
  }

  /** The busiest live sandbox with room for one more invocation; the newest among equals. */
  #roomiest(): Slot | undefined {
    if (this.#draining) return undefined;
    let best: Slot | undefined;
    for (let i = this.#slots.length - 1; i >= 0; i--) {
      const slot = this.#slots[i]!;
      if (!slot.sandbox.alive) {
        if (slot.busy === 0) void this.#discard(i);
        continue;
      }
      if (slot.busy < this.#perSandbox && (best === undefined || slot.busy > best.busy)) best = slot;
    }
    return best;
  }

  #discard(index: number): Promise<void> {
    const [slot] = this.#slots.splice(index, 1);
    return slot!.sandbox.kill();
  }

  async #startOne(): Promise<Lease> {
    this.#starting++;
    let sandbox: Sandbox;
    try {
      sandbox = await this.#deps.create();
    } catch (e) {
      this.#starting--;
      this.#serveWaiter();
      throw e;
    }
    this.#starting--;
    this.#slots.push({ sandbox, busy: 1, idleSince: 0 });
    return { sandbox, cold: true };
  }

  #serveWaiter(): void {
    if (this.#waiters.length === 0 || this.live >= this.#deps.concurrency) return;
    const waiter = this.#waiters.shift()!;
    clearTimeout(waiter.timer);
    this.#startOne().then(waiter.resolve, waiter.reject);
  }
}

function overloaded(): BulwarkError {
  return new BulwarkError("BWK_OVERLOADED", "the function is at its concurrency limit", {
    headers: { "retry-after": "1" },
  });
}

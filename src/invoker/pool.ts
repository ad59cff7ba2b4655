// The sandboxes of one function version: warm ones are reused, at most `concurrency` live at once,
// callers beyond that wait briefly in a bounded queue, idle ones are reaped.
import { BulwarkError } from "../core/errors.ts";
import type { Sandbox } from "../sandbox/sandbox.ts";

export interface PoolDeps {
  /** Starts (or takes a spare and loads) a sandbox with this version's bundle. */
  create(): Promise<Sandbox>;
  concurrency: number;
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

export class FunctionPool {
  readonly #deps: PoolDeps;
  readonly #idle: Array<{ sandbox: Sandbox; since: number }> = [];
  readonly #waiters: Waiter[] = [];
  #live = 0;
  #draining = false;

  constructor(deps: PoolDeps) {
    this.#deps = deps;
  }

  get live(): number {
    return this.#live;
  }

  get idle(): number {
    return this.#idle.length;
  }

  async acquire(): Promise<Lease> {
    while (this.#idle.length > 0) {
      const { sandbox } = this.#idle.pop()!;
      if (sandbox.alive) return { sandbox, cold: false };
      this.#live--;
    }
    if (this.#live < this.#deps.concurrency) return this.#startOne();
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

  /** Returns a sandbox after an invocation; an unhealthy one is discarded. */
  release(sandbox: Sandbox, healthy: boolean): void {
    if (healthy && sandbox.alive) {
      const waiter = this.#waiters.shift();
      if (waiter) {
        clearTimeout(waiter.timer);
        waiter.resolve({ sandbox, cold: false });
        return;
      }
      if (!this.#draining) {
        this.#idle.push({ sandbox, since: Date.now() });
        return;
      }
    }
    this.#live--;
    void sandbox.kill();
    this.#serveWaiter();
  }

  /** Kills sandboxes idle for longer than `idleMs`. */
  reap(now: number, idleMs: number): void {
    for (let i = this.#idle.length - 1; i >= 0; i--) {
      const entry = this.#idle[i]!;
      if (now - entry.since >= idleMs || !entry.sandbox.alive) {
        this.#idle.splice(i, 1);
        this.#live--;
        void entry.sandbox.kill();
      }
    }
  }

  /** Stops reusing sandboxes: idle ones die now, busy ones when released. */
  drain(): void {
    this.#draining = true;
    for (const { sandbox } of this.#idle.splice(0)) {
      this.#live--;
      void sandbox.kill();
    }
  }

  get empty(): boolean {
    return this.#live === 0 && this.#waiters.length === 0;
  }

  async #startOne(): Promise<Lease> {
    this.#live++;
    try {
      return { sandbox: await this.#deps.create(), cold: true };
    } catch (e) {
      this.#live--;
      this.#serveWaiter();
      throw e;
    }
  }

  #serveWaiter(): void {
    const waiter = this.#waiters.shift();
    if (!waiter) return;
    clearTimeout(waiter.timer);
    this.#startOne().then(waiter.resolve, waiter.reject);
  }
}

function overloaded(): BulwarkError {
  return new BulwarkError("BWK_OVERLOADED", "the function is at its concurrency limit", {
    headers: { "retry-after": "1" },
  });
}

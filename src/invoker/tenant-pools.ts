// The sandbox pools of one function version. Without tenant isolation: one pool. With
// `isolation: tenant`: one pool per tenant, so a sandbox that served tenant A never serves B (its
// memory, /tmp and module state stay A's), and every sandbox is bound to its tenant, which is what
// the broker partitions KV and objects by. The function's concurrency bounds all its tenants
// together: a tenant whose sandboxes have no room first reclaims other tenants' idle ones, and is refused
// (503, retry) while every slot is busy; empty tenant pools are dropped.
import { BulwarkError } from "../core/errors.ts";
import type { FunctionSpec } from "../core/manifest/types.ts";
import type { FunctionPool } from "./pool.ts";

/** The key of the only pool of a function without tenant isolation. */
const SHARED = "";

export class VersionPools {
  readonly #spec: FunctionSpec;
  readonly #create: (tenant: string | undefined) => FunctionPool;
  readonly #pools = new Map<string, FunctionPool>();

  constructor(spec: FunctionSpec, create: (tenant: string | undefined) => FunctionPool) {
    this.#spec = spec;
    this.#create = create;
  }

  /** The pool serving `tenant`; throws if the function's isolation and the request disagree. */
  forTenant(tenant: string | undefined): FunctionPool {
    if (this.#spec.isolation === undefined) return this.#pool(SHARED, undefined);
    if (tenant === undefined || tenant === "") {
      throw new BulwarkError("BWK_PERMISSION_DENIED", `function "${this.#spec.name}" runs with tenant isolation and this invocation names no tenant`);
    }
    const pool = this.#pool(tenant, tenant);
    if (!pool.hasRoom && this.#live() >= this.#spec.concurrency) {
      const now = Date.now();
      for (const other of this.#pools.values()) if (other !== pool) other.reap(now, 0);
      this.#dropEmpty(pool);
      if (this.#live() >= this.#spec.concurrency) {
        throw new BulwarkError("BWK_OVERLOADED", "the function is at its concurrency limit", { headers: { "retry-after": "1" } });
      }
    }
    return pool;
  }

  all(): FunctionPool[] {
    return [...this.#pools.values()];
  }

  get live(): number {
    return this.#live();
  }

  get idle(): number {
    return this.all().reduce((n, p) => n + p.idle, 0);
  }

  reap(now: number, idleMs: number): void {
    for (const pool of this.#pools.values()) pool.reap(now, idleMs);
    this.#dropEmpty(undefined);
  }

  #pool(key: string, tenant: string | undefined): FunctionPool {
    let pool = this.#pools.get(key);
    if (pool === undefined) {
      pool = this.#create(tenant);
      this.#pools.set(key, pool);
    }
    return pool;
  }

  #live(): number {
    let live = 0;
    for (const pool of this.#pools.values()) live += pool.live;
    return live;
  }

  #dropEmpty(keep: FunctionPool | undefined): void {
    for (const [key, pool] of this.#pools) if (key !== SHARED && pool !== keep && pool.empty) this.#pools.delete(key);
  }
}

// FunctionPool alone, with stand-in sandboxes: reuse, the concurrency cap, the bounded wait
// queue, reaping and draining.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { FunctionPool, type PoolDeps } from "../../src/invoker/pool.ts";
import type { Sandbox } from "../../src/sandbox/sandbox.ts";

class FakeSandbox {
  alive = true;
  killed = false;
  async kill(): Promise<void> {
    this.alive = false;
    this.killed = true;
  }
}

function pool(overrides: Partial<PoolDeps> = {}) {
  const created: FakeSandbox[] = [];
  const p = new FunctionPool({
    concurrency: 2,
    maxWaiters: 1,
    maxWaitMs: 60_000,
    create: async () => {
      const s = new FakeSandbox();
      created.push(s);
      return s as unknown as Sandbox;
    },
    ...overrides,
  });
  return { p, created };
}

describe("FunctionPool", () => {
  it("reuses a released sandbox instead of starting another", async () => {
    const { p, created } = pool();
    const a = await p.acquire();
    assert.equal(a.cold, true);
    p.release(a.sandbox, true);
    const b = await p.acquire();
    assert.equal(b.cold, false);
    assert.equal(b.sandbox, a.sandbox);
    assert.equal(created.length, 1);
  });

  it("discards an unhealthy sandbox", async () => {
    const { p, created } = pool();
    const a = await p.acquire();
    p.release(a.sandbox, false);
    assert.equal(created[0]!.killed, true);
    assert.equal(p.live, 0);
  });

  it("queues beyond the cap, then refuses with BWK_OVERLOADED and Retry-After", async () => {
    const { p } = pool();
    const a = await p.acquire();
    await p.acquire();
    const waiting = p.acquire();
    await assert.rejects(p.acquire(), (e: { code: string; headers: Record<string, string> }) => {
      assert.equal(e.code, "BWK_OVERLOADED");
      assert.equal(e.headers["retry-after"], "1");
      return true;
    });
    p.release(a.sandbox, true);
    assert.equal((await waiting).sandbox, a.sandbox, "the waiter gets the released sandbox");
  });

  it("a waiter gets a fresh sandbox when a busy one dies", async () => {
    const { p, created } = pool();
    const a = await p.acquire();
    await p.acquire();
    const waiting = p.acquire();
    p.release(a.sandbox, false);
    const w = await waiting;
    assert.equal(w.cold, true);
    assert.equal(created.length, 3);
    assert.equal(p.live, 2);
  });

  it("a waiter that waits too long is refused", async () => {
    const { p } = pool({ maxWaitMs: 1 });
    await p.acquire();
    await p.acquire();
    await assert.rejects(p.acquire(), { code: "BWK_OVERLOADED" });
  });

  it("reaps sandboxes idle past the limit and keeps fresh ones", async () => {
    const { p, created } = pool();
    const a = await p.acquire();
    p.release(a.sandbox, true);
    p.reap(Date.now() + 10, 60_000);
    assert.equal(created[0]!.killed, false);
    p.reap(Date.now() + 120_000, 60_000);
    assert.equal(created[0]!.killed, true);
    assert.equal(p.live, 0);
  });

  it("draining kills idle sandboxes now and busy ones on release", async () => {
    const { p, created } = pool();
    const a = await p.acquire();
    const b = await p.acquire();
    p.release(a.sandbox, true);
    p.drain();
    assert.equal(created[0]!.killed, true);
    p.release(b.sandbox, true);
    assert.equal(created[1]!.killed, true);
    assert.equal(p.empty, true);
  });

  it("draining settles only once its idle sandboxes are gone", async () => {
    const exited = Promise.withResolvers<void>();
    const slow = { alive: true, kill: () => exited.promise };
    const p = new FunctionPool({ concurrency: 1, maxWaiters: 1, maxWaitMs: 60_000, create: async () => slow as unknown as Sandbox });
    p.release((await p.acquire()).sandbox, true);
    let settled = false;
    const drained = p.drain().then(() => (settled = true));
    await Promise.resolve();
    assert.equal(settled, false);
    exited.resolve();
    await drained;
    assert.equal(settled, true);
  });

  it("a draining pool gives a waiter a fresh sandbox, never the one just released", async () => {
    const { p, created } = pool();
    const a = await p.acquire();
    await p.acquire();
    const waiting = p.acquire();
    void p.drain();
    p.release(a.sandbox, true);
    const w = await waiting;
    assert.equal(created[0]!.killed, true);
    assert.notEqual(w.sandbox, a.sandbox);
    assert.equal(w.cold, true);
  });

  it("a failed start frees its slot", async () => {
    let fail = true;
    const { p } = pool({
      create: async () => {
        if (fail) throw new Error("no sandbox");
        return new FakeSandbox() as unknown as Sandbox;
      },
    });
    await assert.rejects(p.acquire(), /no sandbox/);
    assert.equal(p.live, 0);
    fail = false;
    assert.equal((await p.acquire()).cold, true);
  });
});

describe("FunctionPool with several invocations per sandbox", () => {
  it("packs invocations onto a live sandbox until it is full, then starts another", async () => {
    const { p, created } = pool({ perSandbox: 3 });
    const leases = [await p.acquire(), await p.acquire(), await p.acquire()];
    assert.deepEqual(leases.map((l) => l.cold), [true, false, false]);
    assert.equal(created.length, 1);
    const fourth = await p.acquire();
    assert.equal(fourth.cold, true);
    assert.equal(created.length, 2);
    assert.equal(p.live, 2);
    assert.equal(p.idle, 0);
  });

  it("a sandbox is idle only when its last invocation ends, and only then reaped", async () => {
    const { p, created } = pool({ perSandbox: 2 });
    const a = await p.acquire();
    const b = await p.acquire();
    p.release(a.sandbox, true);
    p.reap(Date.now() + 1e9, 0);
    assert.equal(created[0]!.killed, false);
    p.release(b.sandbox, true);
    assert.equal(p.idle, 1);
    p.reap(Date.now() + 1e9, 0);
    assert.equal(created[0]!.killed, true);
    assert.equal(p.live, 0);
  });

  it("an unhealthy release discards the sandbox once, whatever else it was running", async () => {
    const { p, created } = pool({ perSandbox: 2 });
    const a = await p.acquire();
    const b = await p.acquire();
    p.release(a.sandbox, false);
    p.release(b.sandbox, false);
    assert.equal(created[0]!.killed, true);
    assert.equal(p.live, 0);
    const c = await p.acquire();
    assert.equal(c.cold, true);
    assert.equal(p.live, 1);
  });

  it("a waiter takes the room a released invocation leaves", async () => {
    const { p, created } = pool({ perSandbox: 2, concurrency: 1 });
    const a = await p.acquire();
    await p.acquire();
    const waiting = p.acquire();
    p.release(a.sandbox, true);
    const c = await waiting;
    assert.equal(c.sandbox, a.sandbox);
    assert.equal(created.length, 1);
  });
});

describe("FunctionPool.hasRoom (what tenant pools ask before refusing)", () => {
  it("is true while a busy sandbox can take another invocation, false once every one is full", async () => {
    const { p } = pool({ perSandbox: 2, concurrency: 1 });
    assert.equal(p.hasRoom, false, "no sandbox yet");
    const a = await p.acquire();
    assert.equal(p.hasRoom, true, "busy, but with room for a second invocation");
    await p.acquire();
    assert.equal(p.hasRoom, false);
    p.release(a.sandbox, true);
    assert.equal(p.hasRoom, true);
  });
});

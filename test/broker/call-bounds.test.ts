// What bounds a broker call besides its grant: how deep ctx.invoke may nest, and the invocation's
// deadline, which no egress request or callee outlives.
import assert from "node:assert/strict";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { brokerBench, type BrokerBench } from "./bench.ts";

const app = (port: number) => `
app: shop
functions:
  loop:
    handler: loop.ts
    permissions:
      invoke: [loop]
      egress: ["127.0.0.1:${port}"]
`;

let b: BrokerBench;
let server: Server;
let port = 0;
let connections = 0;
const stalled: ServerResponse[] = [];
const closed: Array<Promise<void>> = [];

before(async () => {
  // Accepts every request and never answers it.
  server = createServer((req, res) => {
    stalled.push(res);
    closed.push(new Promise((resolve) => req.socket.once("close", () => resolve())));
  });
  server.on("connection", () => connections++);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
  b = await brokerBench({ fetchTimeoutMs: 600_000, invokeDepthMax: 8 });
  b.deploy(app(port));
});

after(async () => {
  b.close();
  for (const res of stalled) res.destroy();
  await new Promise((resolve) => server.close(resolve));
});

const timedOut = (most: number) => (e: unknown) => {
  const err = e as { code?: string; extra: Record<string, unknown> };
  assert.equal(err.code, "BWK_EGRESS_FAILED");
  assert.equal(err.extra["reason"], "timeout");
  assert.ok(Number(err.extra["timeoutMs"]) <= most, `waited up to ${String(err.extra["timeoutMs"])} ms, more than the ${most} ms left`);
  return true;
};

describe("broker: ctx.invoke depth", () => {
  it("lets a function call itself down to the depth limit", async () => {
    assert.deepEqual(await b.call("loop", "invoke", ["loop", {}], { depth: 7 }), { ran: "loop" });
    assert.equal(b.runs.at(-1)?.invocation.depth, 8);
  });

  it("refuses the call past the limit with LimitExceeded, a security event and an audit record, running nothing", async () => {
    const runs = b.runs.length;
    await assert.rejects(b.call("loop", "invoke", ["loop", {}], { depth: 8, invocationId: "req-deep" }), (e: unknown) => {
      assert.equal((e as { code?: string }).code, "BWK_LIMIT_EXCEEDED");
      return true;
    });
    assert.equal(b.runs.length, runs);
    const event = b.events.query({ type: "invoke.depth_exceeded" }).at(-1);
    assert.equal(event?.function, "loop");
    assert.equal(event?.requestId, "req-deep");
    assert.deepEqual(event?.details, { callee: "loop", depth: 9, limit: 8, version: 1 });
    b.flush();
    const record = b.audit.query({}).filter((r) => r.action === "invoke.depth_exceeded").at(-1);
    assert.deepEqual([record?.actor, record?.target, record?.outcome, record?.requestId], [{ type: "function", id: "loop" }, "invoke:loop", "denied", "req-deep"]);
  });
});

describe("broker: the invocation's deadline", () => {
  it("hands a callee its caller's deadline", async () => {
    const deadline = Date.now() + 1_234;
    await b.call("loop", "invoke", ["loop", {}], { deadline });
    assert.equal(b.runs.at(-1)?.invocation.deadline, deadline);
  });

  it("waits for an egress response only as long as the invocation has left, not the egress limit", async () => {
    const before = closed.length;
    await assert.rejects(b.call("loop", "fetch", [{ url: `http://127.0.0.1:${port}/stall`, method: "GET", headers: [], body: null }], { deadline: Date.now() + 300 }), timedOut(300));
    // The request reached the server, and its connection was closed by the broker.
    assert.equal(closed.length, before + 1);
    await closed.at(-1);
  });

  it("starts no egress request once the invocation's time is up", async () => {
    const before = connections;
    await assert.rejects(b.call("loop", "fetch", [{ url: `http://127.0.0.1:${port}/late`, method: "GET", headers: [], body: null }], { deadline: Date.now() - 1 }), timedOut(0));
    assert.equal(connections, before);
  });
});

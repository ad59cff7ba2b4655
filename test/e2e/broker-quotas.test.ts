// Broker bounds a caller could push through the real platform: tenants a caller names itself
// (header:x-tenant) cannot multiply a namespace's storage, and a sandbox flooding the broker past
// its in-flight cap is refused and recorded once per burst. Each refusal is LimitExceeded in the
// function and a security event naming the function and the request.
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { up, writeApp, type RunningPlatform } from "./harness.ts";
import { eventOf, securityEvents } from "./security-events.ts";

const STORE = `
export async function handler(event, ctx) {
  return ctx.kv("charts").put("chart", "x").then(() => ["stored"], (e) => [e.name, e.code]);
}
`;

/** 80 calls at once to an address that never answers: 64 stay in flight, the rest are refused. */
const flood = (url: string) => `
export async function handler(event, ctx) {
  const calls = Array.from({ length: 80 }, () => ctx.fetch(${JSON.stringify(url)}).then(() => "answered", (e) => e.name));
  return Promise.all(calls.slice(64));
}
`;

describe("broker bounds under attack", () => {
  let p: RunningPlatform;
  let silent: Server;
  const sockets = new Set<Socket>();
  let apiKey = "";

  before(async () => {
    silent = createServer((socket) => sockets.add(socket.on("error", () => {})));
    await new Promise<void>((listening) => silent.listen(0, "127.0.0.1", listening));
    const port = (silent.address() as { port: number }).port;
    const yaml = [
      "app: bounds",
      "functions:",
      "  charts:",
      "    handler: store.js",
      "    isolation: tenant",
      "    tenantFrom: header:x-tenant",
      "    permissions: { kv: { charts: [read, write] } }",
      "    triggers: [{ http: { method: POST, path: /charts, auth: apiKey } }]",
      "  flood:",
      "    handler: flood.js",
      "    timeout: 30s",
      `    permissions: { egress: ["127.0.0.1:${port}"] }`,
      "    triggers: [{ http: { method: POST, path: /flood, auth: none, waf: off } }]",
      "",
    ].join("\n");
    p = await up(writeApp({ "bulwark.yaml": yaml, "store.js": STORE, "flood.js": flood(`http://127.0.0.1:${port}/`) }), ["--tenant-partitions", "2"]);
    const created = p.cli(["keys", "create", "--name", "gateway"]);
    assert.equal(created.code, 0, created.stderr);
    apiKey = /^(bwk_\S+)$/m.exec(created.stdout)?.[1] ?? "";
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    silent?.close();
    await p?.stop();
  });

  const asTenant = (tenant: string) => p.fetch("/charts", { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "x-tenant": tenant } });

  it("attack: made-up tenants past the namespace's partition count get LimitExceeded and a broker.quota_exceeded event", async () => {
    for (const tenant of ["t1", "t2"]) assert.deepEqual(await (await asTenant(tenant)).json(), ["stored"]);
    const res = await asTenant("made-up-3");
    assert.deepEqual(await res.clone().json(), ["LimitExceeded", "BWK_LIMIT_EXCEEDED"]);
    const event = await eventOf(p, res, "broker.quota_exceeded");
    assert.equal(event?.function, "charts");
    const { resource, quota, scope, limit, tenant } = event?.details ?? {};
    assert.deepEqual({ resource, quota, scope, limit, tenant }, { resource: "charts", quota: "partitions", scope: "namespace", limit: 2, tenant: "made-up-3" });
  });

  it("attack: calls past the 64-in-flight cap are refused with LimitExceeded, one sandbox.calls_refused event for the burst", async () => {
    const res = await p.fetch("/flood", { method: "POST" });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.clone().json(), Array(16).fill("LimitExceeded"));
    const event = await eventOf(p, res, "sandbox.calls_refused");
    assert.deepEqual([event?.function, event?.details?.op, event?.details?.limit], ["flood", "fetch", 64]);
    // The first refusal at once, the other 15 folded into one more when the window ends: never 16 events.
    const forRequest = (await securityEvents(p, "sandbox.calls_refused")).filter((e) => e.requestId === res.headers.get("x-request-id"));
    assert.ok(forRequest.length >= 1 && forRequest.length <= 2, `${forRequest.length} events`);
  });
});

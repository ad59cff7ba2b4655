// A client that writes its own forwarding headers (X-Forwarded-For: 127.0.0.1, Forwarded,
// X-Forwarded-Host, X-Real-IP, …) to an edge with no trusted proxy, through a real socket: the
// function sees the edge's own values, as API Gateway's v2 payload has them, and the attempt is a
// request.forwarding_ignored event. Believing a trusted proxy's chain is unit-tested (client-ip).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { json, manifest, up, writeApp, type RunningPlatform } from "./harness.ts";
import { eventOf } from "./security-events.ts";

const NAMES = ["x-forwarded-for", "x-forwarded-proto", "x-forwarded-port", "x-forwarded-host", "forwarded", "x-real-ip", "x-client-ip", "true-client-ip"];
const HANDLER = `const NAMES = ${JSON.stringify(NAMES)};
export const handler = async (event) => ({ sourceIp: event.requestContext.http.sourceIp, headers: Object.fromEntries(NAMES.filter((n) => n in event.headers).map((n) => [n, event.headers[n]])) });
`;

describe("forwarding headers from a client that is no trusted proxy", () => {
  let p: RunningPlatform;
  before(async () => {
    p = await up(writeApp({ "bulwark.yaml": manifest("forwarded", { whoami: { handler: "whoami.js", routes: ["GET /whoami"] } }), "whoami.js": HANDLER }));
  });
  after(async () => {
    await p?.stop();
  });

  it("reach the function as the edge's own values, and the spoof attempt is recorded", async () => {
    const spoofed = {
      "x-forwarded-for": "127.0.0.1",
      "x-forwarded-proto": "https",
      "x-forwarded-port": "443",
      "x-forwarded-host": "admin.internal.example",
      forwarded: "for=127.0.0.1;host=admin.internal.example;proto=https",
      "x-real-ip": "10.0.0.1",
      "x-client-ip": "10.0.0.1",
      "true-client-ip": "10.0.0.1",
    };
    const res = await p.fetch("/whoami", { headers: spoofed });
    assert.equal(res.status, 200);
    const port = new URL(p.url).port;
    assert.deepEqual(await json(res), {
      sourceIp: "127.0.0.1",
      headers: { "x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http", "x-forwarded-port": port },
    });
    const event = await eventOf(p, res, "request.forwarding_ignored");
    assert.ok(event, "no request.forwarding_ignored event");
    assert.deepEqual([event.severity, event.clientIp, event.route], ["low", "127.0.0.1", "GET /whoami"]);
    assert.deepEqual((event.details?.["headers"] as string[]).sort(), Object.keys(spoofed).sort());
  });

  it("are the edge's own values for a client that sent none, with no event", async () => {
    const res = await p.fetch("/whoami");
    assert.deepEqual((await json(res))["headers"], { "x-forwarded-for": "127.0.0.1", "x-forwarded-proto": "http", "x-forwarded-port": new URL(p.url).port });
    assert.equal(await eventOf(p, res, "request.forwarding_ignored"), undefined);
  });
});

// Tenant isolation through the real platform: one sandbox pool per tenant (a handler that keeps
// request data in module state cannot leak it to another tenant), KV and objects partitioned by
// tenant from the verified token or the authenticated caller's header, and requests without a
// well-formed tenant refused with an event.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { AUDIENCE, ISSUER, startJwksServer, type JwksServer } from "../edge/auth/jwks-server.ts";
import { eventsFor } from "./auth-app.ts";
import { up, writeApp, type RunningPlatform } from "./harness.ts";

// The bug under test: module state shared by every request the sandbox serves.
const CHARTS = `
const seen = [];
export async function handler(event, ctx) {
  const input = event.body ? JSON.parse(event.body) : {};
  seen.push(input.note ?? "-");
  const charts = ctx.kv("charts");
  if (input.put) await charts.put(input.put[0], input.put[1]);
  if (input.object) await ctx.objects("scans").put(input.object[0], input.object[1]);
  const outcome = async (p) => p.then((v) => v ?? null, (e) => e.code);
  return {
    tenant: ctx.identity?.tenant ?? null,
    seenBySandbox: [...seen],
    get: input.get ? await outcome(charts.get(input.get)) : null,
    list: await outcome(charts.list()),
    object: input.getObject ? await outcome(ctx.objects("scans").get(input.getObject).then((b) => b && Buffer.from(b).toString())) : null,
    escape: input.escape ? await outcome(ctx.kv(input.escape).get("p1")) : null,
  };
}
`;

describe("tenant isolation", () => {
  let jwks: JwksServer;
  let p: RunningPlatform;
  let apiKey = "";

  const asTenant = async (org: string | undefined, body: Record<string, unknown>) => {
    const token = await jwks.sign(org === undefined ? {} : { org });
    return p.fetch("/charts", { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  };
  const byHeader = (headers: Record<string, string>, body: Record<string, unknown>) =>
    p.fetch("/scans", { method: "POST", headers: { authorization: `Bearer ${apiKey}`, "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

  before(async () => {
    jwks = await startJwksServer();
    const yaml = [
      "app: clinic",
      `jwt: { issuer: "${ISSUER}", audience: ${AUDIENCE}, jwksUrl: "${jwks.url}", algorithms: [RS256, ES256] }`,
      "functions:",
      "  charts:",
      "    handler: charts.js",
      "    concurrency: 1",
      "    isolation: tenant",
      "    tenantFrom: jwt.claim:org",
      "    permissions: { kv: { charts: [read, write] }, objects: { scans: [read, write] } }",
      "    triggers: [{ http: { method: POST, path: /charts, auth: jwt, waf: off } }]",
      "  scans:",
      "    handler: charts.js",
      "    concurrency: 1",
      "    isolation: tenant",
      "    tenantFrom: header:x-tenant",
      "    permissions: { kv: { charts: [read, write] }, objects: { scans: [read, write] } }",
      "    triggers: [{ http: { method: POST, path: /scans, auth: apiKey, waf: off } }]",
      "",
    ].join("\n");
    p = await up(writeApp({ "bulwark.yaml": yaml, "charts.js": CHARTS }));
    const created = p.cli(["keys", "create", "--name", "gateway"]);
    assert.equal(created.code, 0, created.stderr);
    apiKey = /^(bwk_\S+)$/m.exec(created.stdout)?.[1] ?? "";
    assert.ok(apiKey);
  });
  after(async () => {
    await p?.stop();
    await jwks?.close();
  });

  it("gives each tenant its own sandboxes and data: tenant B never sees tenant A's chart or module state", async () => {
    const a = await asTenant("clinic-a", { note: "a-request", put: ["p1", "A's chart"], object: ["scan.png", "A's scan"] });
    assert.equal(a.status, 200);
    assert.deepEqual((await a.json()) as object, { tenant: "clinic-a", seenBySandbox: ["a-request"], get: null, list: ["p1"], object: null, escape: null });

    // concurrency: 1, so one shared pool would have handed B the very sandbox A's request ran in.
    const b = await asTenant("clinic-b", { note: "b-request", get: "p1", getObject: "scan.png" });
    assert.deepEqual((await b.json()) as object, { tenant: "clinic-b", seenBySandbox: ["b-request"], get: null, list: [], object: null, escape: null });

    // B's request reclaimed A's idle sandbox (one slot for all tenants): A starts afresh, never in B's.
    const again = (await (await asTenant("clinic-a", { note: "a-again", get: "p1", getObject: "scan.png" })).json()) as Record<string, unknown>;
    assert.deepEqual(again, { tenant: "clinic-a", seenBySandbox: ["a-again"], get: "A's chart", list: ["p1"], object: "A's scan", escape: null });
  });

  it("refuses a handler that names another tenant's partition, with an event", async () => {
    const res = await asTenant("clinic-b", { escape: "tenants/clinic-a/charts" });
    const body = (await res.json()) as { escape: string };
    assert.equal(body.escape, "BWK_PERMISSION_DENIED");
    const [event] = (await eventsFor(p.dataDir, res)).filter((e) => e.type === "capability.denied");
    assert.deepEqual([event?.function, event?.details?.["denyReason"], event?.details?.["tenant"]], ["charts", "invalid-resource", "clinic-b"]);
  });

  it("refuses a request whose token names no tenant, or a malformed one, with tenant.unresolved", async () => {
    for (const org of [undefined, "../clinic-a", "clinic a"]) {
      const res = await asTenant(org, { get: "p1" });
      assert.equal(res.status, 403);
      assert.equal(((await res.json()) as { code: string }).code, "BWK_FORBIDDEN");
      const [event] = await eventsFor(p.dataDir, res);
      assert.equal(event?.type, "tenant.unresolved");
    }
  });

  it("takes the tenant from the authenticated caller's header, and refuses none or two", async () => {
    const a = await byHeader({ "x-tenant": "t-a" }, { put: ["p1", "header tenant A"] });
    assert.equal(((await a.json()) as { tenant: string }).tenant, "t-a");
    const b = await byHeader({ "x-tenant": "t-b" }, { get: "p1" });
    assert.equal(((await b.json()) as { get: unknown }).get, null);
    const missing = await byHeader({}, { get: "p1" });
    assert.equal(missing.status, 403);
    assert.equal((await eventsFor(p.dataDir, missing))[0]?.type, "tenant.unresolved");
    // Two values: fetch would join them, so send the header twice over a raw request.
    const twice = await rawTwice(p.url, apiKey);
    assert.equal(twice.status, 403, twice.body);
  });

  it("gives a tenant id one partition, whichever function or route the tenant came by", async () => {
    const res = await asTenant("t-a", { get: "p1" });
    assert.equal(((await res.json()) as { get: unknown }).get, "header tenant A");
  });
});

/** A request with the tenant header twice, written by hand (fetch would join the two values). */
async function rawTwice(url: string, key: string): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const head = [
    "POST /scans HTTP/1.1",
    `Host: ${target.host}`,
    `Authorization: Bearer ${key}`,
    "X-Tenant: t-a",
    "X-Tenant: t-b",
    "Content-Type: application/json",
    "Content-Length: 2",
    "Connection: close",
  ];
  return new Promise((resolve, reject) => {
    let text = "";
    const socket = connect(Number(target.port), target.hostname, () => socket.end(`${head.join("\r\n")}\r\n\r\n{}`));
    socket.on("data", (d: Buffer) => (text += d.toString()));
    socket.once("error", reject);
    socket.once("close", () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), body: text }));
  });
}

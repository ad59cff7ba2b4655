// Rate limits, IP lists and threat intel at the real edge. The platform trusts 127.0.0.1 as a
// proxy (--trust-proxy), so each test speaks for its own client address in X-Forwarded-For and
// spends only that address's buckets. Each refusal: status, problem code, and the recorded event.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { json, up, writeApp, type RunningPlatform } from "./harness.ts";
import { eventOf, securityEvents } from "./security-events.ts";

const APP = `app: limits
limits:
  perIp: { rate: "1/m", burst: 6 }
  perKey: { rate: "1/m", burst: 2 }
  authFailuresPerIp: { rate: "1/m", burst: 3 }
network:
  deny: [192.0.2.66, "2001:db8:bad::/48"]
functions:
  api:
    handler: api.js
    triggers:
      - http: { method: GET, path: /ping, auth: none }
      - http: { method: GET, path: /keyed, auth: apiKey }
      - http: { method: GET, path: /hot, auth: none, rateLimit: { rate: "1/m", burst: 2 } }
  slow:
    handler: slow.js
    concurrency: 1
    triggers:
      - http: { method: GET, path: /slow, auth: none }
`;

describe("rate limits, IP lists and threat intel at the edge", () => {
  let p: RunningPlatform;
  before(async () => {
    p = await up(
      writeApp({
        "bulwark.yaml": APP,
        "api.js": "export const handler = async (event, ctx) => ({ ip: event.requestContext.http.sourceIp, who: ctx.identity?.subject ?? null });\n",
        "slow.js": "export const handler = async () => { await new Promise((r) => setTimeout(r, 1500)); return { slow: true }; };\n",
      }),
      ["--trust-proxy", "127.0.0.1"],
    );
  });
  after(() => p.stop());

  const from = (ip: string, path: string, headers: Record<string, string> = {}) => p.fetch(path, { headers: { "x-forwarded-for": ip, ...headers } });

  /** `folded`: a repeat within the window of an earlier refusal, counted into that event rather than recorded. */
  async function expect429(res: Response, limit: string, { folded = false } = {}): Promise<void> {
    assert.equal(res.status, 429);
    assert.match(res.headers.get("retry-after") ?? "", /^[1-9]\d*$/);
    const body = await json(res);
    assert.equal(body.code, "BWK_RATE_LIMITED");
    assert.equal(body.limit, limit);
    const event = await eventOf(p, res, "rate.limited");
    if (folded) assert.equal(event, undefined, "a repeated refusal is folded into the first one's event");
    else assert.equal(event?.details?.limit, limit);
  }

  it("limits each client address to its bucket and answers 429 with Retry-After", async () => {
    for (let i = 0; i < 6; i++) assert.equal((await from("198.51.100.1", "/ping")).status, 200);
    const res = await from("198.51.100.1", "/ping");
    await expect429(res, "perIp");
    assert.equal((await eventOf(p, res))?.clientIp, "198.51.100.1");
    assert.equal((await from("198.51.100.2", "/ping")).status, 200, "another address has its own bucket");
  });

  it("takes the client from the rightmost untrusted X-Forwarded-For hop, not what the client wrote", async () => {
    const res = await from("192.0.2.66, 198.51.100.3", "/ping");
    assert.equal(res.status, 200);
    assert.equal((await json(res)).ip, "198.51.100.3");
  });

  it("limits a route with its own bucket, shared by every caller", async () => {
    assert.equal((await from("198.51.100.10", "/hot")).status, 200);
    assert.equal((await from("198.51.100.11", "/hot")).status, 200);
    const res = await from("198.51.100.12", "/hot");
    await expect429(res, "route");
    assert.equal((await eventOf(p, res))?.route, "GET /hot");
  });

  it("limits each API key across addresses", async () => {
    const created = p.cli(["keys", "create", "--name", "ci"]);
    assert.equal(created.code, 0, created.stderr);
    const key = /^(bwk_\S+)$/m.exec(created.stdout)![1]!;
    assert.equal((await from("198.51.100.20", "/keyed", { authorization: `Bearer ${key}` })).status, 200);
    assert.equal((await from("198.51.100.21", "/keyed", { authorization: `Bearer ${key}` })).status, 200);
    const res = await from("198.51.100.22", "/keyed", { authorization: `Bearer ${key}` });
    await expect429(res, "perKey");
    assert.equal((await eventOf(p, res))?.principal, "apikey:ci");
  });

  it("stops key brute force: an address that keeps failing to authenticate is refused with 429", async () => {
    const created = p.cli(["keys", "create", "--name", "real"]);
    const key = /^(bwk_\S+)$/m.exec(created.stdout)![1]!;
    const statuses: number[] = [];
    for (let i = 0; i < 10 && !statuses.includes(429); i++) {
      const guess = `bwk_${"A".repeat(42)}${String.fromCharCode(65 + i)}`;
      const res = await from("198.51.100.30", "/keyed", { authorization: `Bearer ${guess}` });
      statuses.push(res.status);
      if (res.status === 401) assert.equal((await eventOf(p, res, "auth.failure"))?.clientIp, "198.51.100.30");
      else await expect429(res, "authFailuresPerIp");
    }
    assert.ok(statuses.includes(429), `no 429 in ${statuses.join(",")}`);
    // Within the budget (3) plus the failure that spent it, nothing more got a guess in.
    assert.ok(statuses.filter((s) => s === 401).length <= 5, statuses.join(","));
    // Once blocked, even the right key from that address waits; other addresses are unaffected.
    await expect429(await from("198.51.100.30", "/keyed", { authorization: `Bearer ${key}` }), "authFailuresPerIp", { folded: true });
    assert.equal((await from("198.51.100.31", "/keyed", { authorization: `Bearer ${key}` })).status, 200);
    // Attack: a flood against the block writes one event per window, not one per request.
    for (let i = 0; i < 20; i++) assert.equal((await from("198.51.100.30", "/keyed", { authorization: `Bearer ${key}` })).status, 429);
    const recorded = (await securityEvents(p, "rate.limited")).filter((e) => e.clientIp === "198.51.100.30");
    assert.equal(recorded.length, 1, `${recorded.length} events for one flood`);
  });

  it("refuses addresses on the manifest's deny list (IPv4 and IPv6) with 403 before anything runs", async () => {
    for (const ip of ["192.0.2.66", "2001:db8:bad::1"]) {
      const res = await from(ip, "/nowhere");
      assert.equal(res.status, 403, "refused before routing: no 404");
      assert.equal((await json(res)).code, "BWK_IP_DENIED");
      const event = await eventOf(p, res, "ip.denied");
      assert.equal(event?.clientIp, ip);
      assert.equal(event?.details?.source, "manifest");
    }
  });

  it("denies 127.0.0.1 from an imported STIX feed at once, and serves it again once removed", async () => {
    const feed = join(p.appDir, "feed.json");
    writeFileSync(
      feed,
      JSON.stringify({
        type: "bundle",
        id: "bundle--5d2b7c4e-0000-4000-8000-000000000001",
        objects: [
          {
            type: "indicator",
            spec_version: "2.1",
            id: "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            created: "2025-01-01T00:00:00.000Z",
            modified: "2025-01-01T00:00:00.000Z",
            pattern_type: "stix",
            pattern: "[ipv4-addr:value = '127.0.0.1/32'] OR [ipv6-addr:value = '2001:db8:feed::/48']",
            valid_from: "2025-01-01T00:00:00Z",
          },
        ],
      }),
    );
    const imported = p.cli(["intel", "import", feed, "--feed", "acme"]);
    assert.equal(imported.code, 0, imported.stderr);
    assert.match(imported.stdout, /imported 2 indicators from stix feed acme/);
    assert.match(p.cli(["intel", "ls"]).stdout, /127\.0\.0\.1\/32\s+acme/);

    // No X-Forwarded-For: the client is the peer itself, 127.0.0.1.
    const res = await p.fetch("/ping");
    assert.equal(res.status, 403);
    assert.equal((await json(res)).code, "BWK_IP_DENIED");
    const event = await eventOf(p, res, "ip.denied");
    assert.equal(event?.clientIp, "127.0.0.1");
    assert.match(String(event?.details?.source), /indicator--8e2e2d2b/);
    assert.equal((await from("2001:db8:feed::9", "/ping")).status, 403);

    assert.match(p.cli(["intel", "rm", "127.0.0.1"]).stdout, /removed 1 indicators/);
    assert.equal((await p.fetch("/ping")).status, 200);
    assert.match(p.cli(["intel", "rm", "--feed", "acme"]).stdout, /removed 1 indicators/);
    assert.equal((await from("2001:db8:feed::9", "/ping")).status, 200);
  });

  it("answers calls beyond a function's concurrency cap with 503 and Retry-After", async () => {
    const responses = await Promise.all(Array.from({ length: 12 }, (_, i) => from(`198.51.100.${100 + i}`, "/slow")));
    const overloaded = responses.filter((r) => r.status === 503);
    assert.ok(responses.some((r) => r.status === 200), "the cap serves what it can");
    assert.ok(overloaded.length >= 3, `1 running + 8 queued at most, got ${responses.map((r) => r.status).join(",")}`);
    for (const r of overloaded) {
      assert.equal(r.headers.get("retry-after"), "1");
      assert.equal((await json(r)).code, "BWK_OVERLOADED");
    }
  });

  it("attack: a burst of 429s that just stops loses no count: the stop records the window's last refusal with the rest folded", async () => {
    const ip = "198.51.100.40";
    let refused = 0;
    let lastRefused: string | null = null;
    for (let i = 0; i < 30; i++) {
      const res = await from(ip, "/ping");
      await res.body?.cancel();
      if (res.status === 429) {
        refused++;
        lastRefused = res.headers.get("x-request-id");
      }
    }
    assert.equal(refused, 24, "the address's burst of 6 served, the rest refused");
    // No refusal comes after the burst to carry its count: the platform's stop must record it.
    await p.halt();
    p = await up(p.appDir, ["--trust-proxy", "127.0.0.1"], { dataDir: p.dataDir });

    const recorded = (await securityEvents(p, "rate.limited")).filter((e) => e.clientIp === ip);
    const counted = recorded.reduce((sum, e) => sum + 1 + Number(e.details?.["suppressed"] ?? 0), 0);
    assert.equal(counted, refused, recorded.map((e) => JSON.stringify(e.details)).join("; "));
    assert.ok(recorded.length < refused / 2, `${recorded.length} events: folded, not one per request`);
    assert.equal(recorded.at(-1)?.requestId, lastRefused);
  });
});

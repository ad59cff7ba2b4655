// API key attacks through the real platform and CLI: a key is shown once and stored only as a
// hash; unknown, revoked and expired keys are refused with 401 and an auth.failure naming the key
// (never its value); a key used outside its scope or without a route's role gets 403.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { startJwksServer, type JwksServer } from "../edge/auth/jwks-server.ts";
import { authManifest, refusal, WHOAMI } from "./auth-app.ts";
import { up, writeApp, type RunningPlatform } from "./harness.ts";

const KEY = /^(bwk_[A-Za-z0-9_-]{43})$/m;

describe("API key routes under attack", () => {
  let jwks: JwksServer;
  let p: RunningPlatform;
  const call = (path: string, key?: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
    p.fetch(path, { method: init.method ?? "GET", headers: { ...(key === undefined ? {} : { authorization: `Bearer ${key}` }), ...init.headers } });

  function createKey(...args: string[]): string {
    const r = p.cli(["keys", "create", ...args]);
    assert.equal(r.code, 0, r.stderr);
    const key = KEY.exec(r.stdout)?.[1];
    assert.ok(key, `no key in ${r.stdout}`);
    return key;
  }

  before(async () => {
    jwks = await startJwksServer();
    const app = writeApp({
      "bulwark.yaml": authManifest(jwks.url, {
        orders: [
          ["GET", "/orders", "apiKey"],
          ["POST", "/orders", "apiKey"],
          ["GET", "/ops", "apiKey", "roles: [ops]"],
          ["GET", "/status", "none"],
        ],
        reports: [["GET", "/reports", "apiKey"]],
      }),
      "src/whoami.js": WHOAMI,
    });
    p = await up(app);
  });
  after(async () => {
    await p?.stop();
    await jwks?.close();
  });

  it("flags public routes in the deploy output and in ls", () => {
    assert.match(p.stdout(), /warning: GET \/status \(orders\) is public: auth: none/);
    assert.doesNotMatch(p.stdout(), /warning: GET \/orders/);
    assert.match(p.cli(["ls"]).stdout, /GET \/status \(public\)/);
  });

  it("shows a new key once; ls shows its prefix and scope, never the key", () => {
    const key = createKey("--name", "reader", "--routes", "GET /orders", "--expires", "30d");
    const ls = p.cli(["keys", "ls"]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, new RegExp(`reader\\s+${key.slice(0, 8)}…`));
    assert.match(ls.stdout, /GET \/orders/);
    assert.ok(!ls.stdout.includes(key) && !p.cli(["keys", "ls", "--json"]).stdout.includes(key.slice(8)));
  });

  it("stores only the key's hash", () => {
    const key = createKey("--name", "hashed");
    const db = new DatabaseSync(join(p.dataDir, "bulwark.db"));
    try {
      const row = db.prepare("SELECT * FROM api_keys WHERE name = 'hashed'").get() as Record<string, unknown>;
      assert.ok(!JSON.stringify(row).includes(key.slice(8)));
    } finally {
      db.close();
    }
  });

  it("lets a key in by Authorization: Bearer or X-Api-Key, and the handler sees who, not the key", async () => {
    const key = createKey("--name", "both-ways", "--routes", "GET /orders");
    for (const res of [await call("/orders", key), await call("/orders", undefined, { headers: { "x-api-key": key } })]) {
      assert.equal(res.status, 200);
      const body = (await res.json()) as { identity: unknown; headers: Record<string, string> };
      assert.deepEqual(body.identity, { subject: "apikey:both-ways", roles: [], via: "apiKey", keyName: "both-ways" });
      assert.equal(body.headers["authorization"], undefined);
      assert.equal(body.headers["x-api-key"], undefined);
    }
  });

  it("refuses a well-formed key nobody issued (a guess)", async () => {
    const guess = `bwk_${"Q".repeat(43)}`;
    const r = await refusal(p.dataDir, await call("/orders", guess));
    assert.deepEqual([r.status, r.code, r.event.type, r.event.reason], [401, "BWK_UNAUTHORIZED", "auth.failure", "unknown key"]);
    assert.match(r.challenge ?? "", /error="invalid_token"/);
    assert.ok(!r.recorded.includes(guess.slice(8)));
  });

  it("refuses a key on a route outside its scope: 403 auth.forbidden", async () => {
    const key = createKey("--name", "get-only", "--routes", "GET /orders");
    const r = await refusal(p.dataDir, await call("/orders", key, { method: "POST" }));
    assert.deepEqual([r.status, r.code, r.event.type, r.event.reason, r.event.principal], [403, "BWK_FORBIDDEN", "auth.forbidden", "key not scoped to this route", "apikey:get-only"]);
    assert.equal((await call("/reports", key)).status, 403);
  });

  it("scopes a key to whole functions", async () => {
    const key = createKey("--name", "reports-only", "--functions", "reports");
    assert.equal((await call("/reports", key)).status, 200);
    assert.equal((await refusal(p.dataDir, await call("/orders", key))).status, 403);
  });

  it("checks a route's roles against the key's roles", async () => {
    const plain = createKey("--name", "no-role");
    const r = await refusal(p.dataDir, await call("/ops", plain));
    assert.deepEqual([r.status, r.event.reason], [403, "missing role"]);
    assert.equal((await call("/ops", createKey("--name", "operator", "--roles", "ops"))).status, 200);
  });

  it("refuses a revoked key on the very next request, naming the key but not recording it", async () => {
    const key = createKey("--name", "leaked");
    assert.equal((await call("/orders", key)).status, 200);
    const revoke = p.cli(["keys", "revoke", "leaked"]);
    assert.equal(revoke.code, 0, revoke.stderr);
    const r = await refusal(p.dataDir, await call("/orders", key));
    assert.deepEqual([r.status, r.code, r.event.reason, r.event.principal, r.event.details?.["keyPrefix"]], [401, "BWK_UNAUTHORIZED", "revoked key", "apikey:leaked", key.slice(0, 8)]);
    assert.ok(!r.recorded.includes(key.slice(8)));
    assert.match(p.cli(["keys", "ls"]).stdout, /leaked\s+\S+\s+\S+ \S+\s+never\s+\d{4}-/);
  });

  it("refuses an expired key", async () => {
    const key = createKey("--name", "old", "--expires", "1d");
    assert.equal((await call("/orders", key)).status, 200);
    // The clock passing the expiry, without waiting a day: move the stored expiry into the past.
    const db = new DatabaseSync(join(p.dataDir, "bulwark.db"));
    try {
      db.prepare("UPDATE api_keys SET expires_at = ? WHERE name = 'old'").run(new Date(Date.now() - 1000).toISOString());
    } finally {
      db.close();
    }
    const r = await refusal(p.dataDir, await call("/orders", key));
    assert.deepEqual([r.status, r.code, r.event.reason, r.event.principal], [401, "BWK_UNAUTHORIZED", "expired key", "apikey:old"]);
  });

  it("refuses two credentials at once instead of picking one (another key smuggled in X-Api-Key)", async () => {
    const mine = createKey("--name", "mine", "--routes", "GET /orders");
    const theirs = createKey("--name", "theirs");
    const r = await refusal(p.dataDir, await call("/orders", mine, { method: "POST", headers: { "x-api-key": theirs } }));
    assert.deepEqual([r.status, r.code, r.event.reason], [401, "BWK_UNAUTHORIZED", "malformed"]);
  });

  it("refuses a repeated Authorization header (Node would keep only the first)", async () => {
    const mine = createKey("--name", "first");
    const theirs = createKey("--name", "second");
    // Raw bytes, as an attacker sends them: fetch and http.request would merge or refuse the pair.
    const url = new URL(p.url);
    const answer = await new Promise<string>((resolve, reject) => {
      let text = "";
      const socket = connect(Number(url.port), url.hostname, () => {
        socket.write(`GET /orders HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${mine}\r\nAuthorization: Bearer ${theirs}\r\nConnection: close\r\n\r\n`);
      });
      socket.on("data", (d: Buffer) => (text += d.toString("latin1")));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
    assert.equal(status, 401);
  });

  it("refuses a JWT or garbage on an API key route as malformed, without a lookup", async () => {
    const r = await refusal(p.dataDir, await call("/orders", await jwks.sign()));
    assert.deepEqual([r.status, r.event.reason], [401, "malformed"]);
  });

  it("audits key creation and revocation with the key's name as the target, never the key", () => {
    const key = createKey("--name", "audited");
    assert.equal(p.cli(["keys", "revoke", "audited"]).code, 0);
    const query = p.cli(["audit", "query", "--target", "key:audited", "--json"]);
    assert.equal(query.code, 0, query.stderr);
    const records = JSON.parse(query.stdout) as Array<{ action: string; outcome: string }>;
    assert.deepEqual(records.map((r) => [r.action, r.outcome]), [["keys.manage", "success"], ["keys.manage", "success"]]);
    assert.ok(!query.stdout.includes(key.slice(8)));
  });

  it("refuses bad key requests with one line: taken names, unknown routes, bad lifetimes", () => {
    createKey("--name", "taken");
    for (const args of [["--name", "taken"], ["--name", "x", "--routes", "GET /nope"], ["--name", "y", "--expires", "forever"], ["--name", "a b"]]) {
      const r = p.cli(["keys", "create", ...args]);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.stderr.trimEnd().split("\n").length, 1);
    }
    assert.equal(p.cli(["keys", "revoke", "nobody"]).code, 1);
    assert.equal(p.cli(["keys", "create", "--name", "z", "--routes", "GET /orders", "--functions", "orders"]).code, 2);
  });
});

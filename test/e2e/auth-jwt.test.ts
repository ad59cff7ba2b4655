// JWT attacks through the real platform and a real JWKS server on 127.0.0.1: every forgery class
// of RFC 8725 is refused with 401 + a Bearer challenge and recorded as an auth.failure; roles and
// scopes refuse with 403 + auth.forbidden; the handler sees the verified identity and nothing a
// client could spoof.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { forge, startJwksServer, type JwksServer } from "../edge/auth/jwks-server.ts";
import { authManifest, eventsFor, refusal, WHOAMI } from "./auth-app.ts";
import { up, writeApp, type RunningPlatform } from "./harness.ts";

describe("JWT routes under attack", () => {
  let jwks: JwksServer;
  let p: RunningPlatform;
  const get = (path: string, token?: string, headers: Record<string, string> = {}) =>
    p.fetch(path, { headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers } });

  before(async () => {
    jwks = await startJwksServer();
    const app = writeApp({
      "bulwark.yaml": authManifest(jwks.url, {
        whoami: [
          ["GET", "/me", "jwt"],
          ["GET", "/admin", "jwt", "roles: [admin]"],
          ["GET", "/orders", "jwt", "scopes: [orders:read]"],
          ["GET", "/public", "none"],
        ],
      }),
      "src/whoami.js": WHOAMI,
    });
    p = await up(app);
  });
  after(async () => {
    await p?.stop();
    await jwks?.close();
  });

  it("hands the handler the verified identity and keeps the token at the edge", async () => {
    const token = await jwks.sign({ roles: ["customer"] });
    const res = await get("/me", token);
    assert.equal(res.status, 200);
    const body = (await res.json()) as { identity: unknown; headers: Record<string, string> };
    assert.deepEqual(body.identity, { subject: "user-1", roles: ["customer"], via: "jwt" });
    assert.equal(body.headers["authorization"], undefined);
  });

  it("accepts ES256 tokens from the same issuer", async () => {
    assert.equal((await get("/me", await jwks.sign({}, { alg: "ES256" }))).status, 200);
  });

  it("refuses a request without a token: bare challenge, reason missing", async () => {
    const r = await refusal(p.dataDir, await get("/me"));
    assert.deepEqual([r.status, r.code, r.challenge], [401, "BWK_UNAUTHORIZED", 'Bearer realm="bulwark"']);
    assert.deepEqual([r.event.type, r.event.reason, r.event.route, r.event.function], ["auth.failure", "missing", "GET /me", "whoami"]);
    assert.equal(r.event.clientIp, "127.0.0.1");
  });

  it("refuses a header that is not a bearer token (Basic credentials)", async () => {
    const r = await refusal(p.dataDir, await get("/me", undefined, { authorization: "Basic dXNlcjpwYXNz" }));
    assert.deepEqual([r.status, r.code, r.event.reason], [401, "BWK_UNAUTHORIZED", "malformed"]);
    assert.match(r.challenge ?? "", /error="invalid_request"/);
  });

  const forgeries: Array<[string, () => Promise<string>, string]> = [
    ["alg none", async () => forge.algNone({ roles: ["admin"] }), "algorithm not allowed"],
    ["HS256 signed with the public key (algorithm confusion)", async () => forge.hs256WithPublicKey(await jwks.publicPem(), { roles: ["admin"] }), "algorithm not allowed"],
    ["a tampered payload", async () => forge.tampered(await jwks.sign({ roles: ["customer"] }), { roles: ["admin"] }), "bad signature"],
    ["an expired token", () => jwks.sign({}, { exp: Math.floor(Date.now() / 1000) - 3600 }), "expired"],
    ["a token not yet valid", () => jwks.sign({}, { nbf: Math.floor(Date.now() / 1000) + 3600 }), "not yet valid"],
    ["a token from another issuer", () => jwks.sign({}, { iss: "https://evil.example/" }), "wrong issuer"],
    ["a token for another audience", () => jwks.sign({}, { aud: "other-app" }), "wrong audience"],
    ["a token signed by a key the issuer never published (unknown kid)", async () => jwks.signWith(await jwks.unpublishedKey("ghost"), { roles: ["admin"] }), "unknown kid"],
  ];
  for (const [name, make, reason] of forgeries) {
    it(`refuses ${name}: 401 invalid_token, auth.failure "${reason}", no token recorded`, async () => {
      const token = await make();
      const r = await refusal(p.dataDir, await get("/admin", token));
      assert.deepEqual([r.status, r.code, r.event.type, r.event.reason], [401, "BWK_UNAUTHORIZED", "auth.failure", reason]);
      assert.match(r.challenge ?? "", /^Bearer realm="bulwark", error="invalid_token"/);
      assert.ok(!r.recorded.includes(token.split(".")[1]!) && !r.recorded.includes(token), "the token was recorded");
    });
  }

  it("attack on the verified-token cache: a token served from it, then re-signed parts of it, are refused and recorded", async () => {
    const honest = await jwks.sign({ roles: ["customer"] });
    for (let i = 0; i < 2; i++) assert.equal((await get("/me", honest)).status, 200);
    const [header, payload, signature] = honest.split(".") as [string, string, string];
    for (const token of [forge.tampered(honest, { roles: ["admin"] }), `${header}.${payload}.`, `${header}.${payload}.${signature.slice(0, 10)}${signature[10] === "A" ? "B" : "A"}${signature.slice(11)}`]) {
      const r = await refusal(p.dataDir, await get("/admin", token));
      assert.deepEqual([r.status, r.event.type, r.event.reason], [401, "auth.failure", "bad signature"]);
    }
  });

  it("records the alg an attacker tried, so an investigator sees alg none attempts", async () => {
    const r = await refusal(p.dataDir, await get("/me", forge.algNone({})));
    assert.equal(r.event.details?.["alg"], "none");
    assert.equal(r.event.severity, "high");
  });

  it("refuses a valid token without the route's role: 403 auth.forbidden naming the subject", async () => {
    const r = await refusal(p.dataDir, await get("/admin", await jwks.sign({ roles: ["customer"] })));
    assert.deepEqual([r.status, r.code, r.event.type, r.event.reason, r.event.principal], [403, "BWK_FORBIDDEN", "auth.forbidden", "missing role", "user-1"]);
    assert.equal((await get("/admin", await jwks.sign({ roles: ["admin"] }))).status, 200);
  });

  it("refuses a token without the route's scope: 403 insufficient_scope naming it", async () => {
    const r = await refusal(p.dataDir, await get("/orders", await jwks.sign({ scope: "orders:write" })));
    assert.deepEqual([r.status, r.code, r.event.reason], [403, "BWK_FORBIDDEN", "missing scope"]);
    assert.equal(r.challenge, 'Bearer realm="bulwark", error="insufficient_scope", scope="orders:read"');
    assert.equal((await get("/orders", await jwks.sign({ scope: "orders:read orders:write" }))).status, 200);
  });

  it("never lets spoofed identity headers change ctx.identity", async () => {
    const spoofed = {
      "x-bulwark-identity": JSON.stringify({ subject: "root", roles: ["admin"], via: "jwt" }),
      "x-forwarded-user": "root",
      "x-remote-user": "root",
      "x-user-roles": "admin",
      "x-api-key": `bwk_${"A".repeat(43)}`,
    };
    const res = await get("/admin", await jwks.sign({ roles: ["admin"], sub: "alice" }), spoofed);
    const body = (await res.json()) as { identity: unknown; headers: Record<string, string> };
    assert.deepEqual(body.identity, { subject: "alice", roles: ["admin"], via: "jwt" });
    assert.equal(body.headers["x-bulwark-identity"], undefined);
    assert.equal(body.headers["x-api-key"], undefined);

    const noToken = await refusal(p.dataDir, await get("/admin", undefined, spoofed));
    assert.deepEqual([noToken.status, noToken.event.reason], [401, "missing"]);

    const pub = (await (await get("/public", undefined, spoofed)).json()) as { identity: unknown };
    assert.equal(pub.identity, null);
  });

  it("serves public routes without a credential and records nothing for them", async () => {
    const res = await get("/public");
    assert.equal(res.status, 200);
    assert.deepEqual(await eventsFor(p.dataDir, res), []);
  });
});

// JwtVerifier against a real JWKS server on 127.0.0.1: honest tokens pass, every forgery class
// fails with its reason, and unknown kids cannot make the verifier hammer the issuer.
import assert from "node:assert/strict";
import { after, before, describe, it, mock } from "node:test";
import type { JwtConfig } from "../../../src/core/manifest/types.ts";
import { JwtVerifier, type JwtResult } from "../../../src/edge/auth/jwt-verifier.ts";
import { AUDIENCE, forge, ISSUER, startJwksServer, type JwksServer } from "./jwks-server.ts";

function config(jwks: JwksServer, extra: Partial<JwtConfig> = {}): JwtConfig {
  return {
    issuer: ISSUER,
    audience: [AUDIENCE],
    jwksUrl: jwks.url,
    algorithms: ["RS256", "ES256"],
    rolesClaim: "roles",
    scopesClaim: "scope",
    clockSkewMs: 30_000,
    ...extra,
  };
}

const noSecret = () => {
  throw new Error("no secret here");
};

function reason(result: JwtResult): string {
  assert.equal(result.ok, false);
  return "reason" in result ? result.reason : `unavailable: ${result.unavailable}`;
}

describe("JwtVerifier with a JWKS", () => {
  let jwks: JwksServer;
  let verifier: JwtVerifier;
  before(async () => {
    jwks = await startJwksServer();
    verifier = new JwtVerifier(config(jwks), { secret: noSecret, cooldownMs: 0 });
  });
  after(() => jwks.close());

  it("accepts RS256 and ES256 tokens and reads subject, roles and scopes", async () => {
    for (const alg of ["RS256", "ES256"] as const) {
      const result = await verifier.verify(await jwks.sign({ roles: ["customer"], scope: "orders:read" }, { alg }));
      assert.ok(result.ok);
      assert.deepEqual(result.principal, { subject: "user-1", roles: ["customer"], scopes: ["orders:read"] });
    }
  });

  it("refuses alg none", async () => {
    assert.equal(reason(await verifier.verify(forge.algNone({ roles: ["admin"] }))), "algorithm not allowed");
  });

  it("refuses HS256 signed with the issuer's public key (algorithm confusion)", async () => {
    const token = await forge.hs256WithPublicKey(await jwks.publicPem(), { roles: ["admin"] });
    assert.equal(reason(await verifier.verify(token)), "algorithm not allowed");
  });

  it("refuses a tampered payload", async () => {
    const token = forge.tampered(await jwks.sign({ roles: ["customer"] }), { roles: ["admin"] });
    assert.equal(reason(await verifier.verify(token)), "bad signature");
  });

  it("keeps refusing forgeries of a token it has verified and cached", async () => {
    const honest = await jwks.sign({ roles: ["customer"] });
    assert.ok((await verifier.verify(honest)).ok);
    assert.ok((await verifier.verify(honest)).ok);
    assert.equal(reason(await verifier.verify(forge.tampered(honest, { roles: ["admin"] }))), "bad signature");
    const [header, payload] = honest.split(".");
    assert.equal(reason(await verifier.verify(`${header}.${payload}.`)), "bad signature");
  });

  it("refuses expired and not-yet-valid tokens beyond the clock skew, and accepts within it", async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.equal(reason(await verifier.verify(await jwks.sign({}, { exp: now - 3600 }))), "expired");
    assert.equal(reason(await verifier.verify(await jwks.sign({}, { nbf: now + 3600 }))), "not yet valid");
    assert.ok((await verifier.verify(await jwks.sign({}, { exp: now - 10 }))).ok);
  });

  it("refuses a token issued in the future beyond the clock skew, and accepts one within it", async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.equal(reason(await verifier.verify(await jwks.sign({}, { iat: now + 3600 }))), "not yet valid");
    assert.ok((await verifier.verify(await jwks.sign({}, { iat: now + 10 }))).ok);
  });

  it("refuses other spellings of a valid token's signature, cached or not (RFC 7515 §7.1)", async () => {
    for (const alg of ["RS256", "ES256"] as const) {
      const honest = await jwks.sign({}, { alg });
      for (const twin of forge.twins(honest)) assert.equal(reason(await verifier.verify(twin)), "malformed");
      assert.ok((await verifier.verify(honest)).ok);
      for (const twin of forge.twins(honest)) assert.equal(reason(await verifier.verify(twin)), "malformed");
    }
  });

  it("refuses a token typed for another purpose, replayed as an access token (RFC 8725 §3.11)", async () => {
    for (const typ of ["dpop+jwt", "secevent+jwt", "application/logout+jwt", "id_token+jwt", "JOSE", "jwt; charset=x"]) {
      assert.equal(reason(await verifier.verify(await jwks.sign({}, { typ }))), "wrong token type", typ);
    }
  });

  it("accepts a token typed as a JWT or an access token in any case and spelling, or untyped (RFC 7515 §4.1.9)", async () => {
    for (const typ of ["JWT", "jwt", "application/jwt", "at+jwt", "AT+JWT", "application/at+JWT", null]) {
      assert.ok((await verifier.verify(await jwks.sign({}, { typ }))).ok, String(typ));
    }
  });

  it("refuses a wrong issuer or audience", async () => {
    assert.equal(reason(await verifier.verify(await jwks.sign({}, { iss: "https://evil.example/" }))), "wrong issuer");
    assert.equal(reason(await verifier.verify(await jwks.sign({}, { aud: "another-app" }))), "wrong audience");
  });

  it("refuses a token without sub and garbage that is no JWT", async () => {
    assert.equal(reason(await verifier.verify(await jwks.sign({ sub: undefined }))), "invalid claims");
    assert.equal(reason(await verifier.verify("a.b.c")), "malformed");
    assert.equal(reason(await verifier.verify("not-a-jwt")), "malformed");
  });

  it("refuses a kid the issuer does not publish, and accepts it once published (key rotation)", async () => {
    const next = await jwks.unpublishedKey("rsa-2");
    const token = await jwks.signWith(next, {});
    assert.equal(reason(await verifier.verify(token)), "unknown kid");
    await jwks.publish(next);
    assert.ok((await verifier.verify(token)).ok);
  });
});

describe("JwtVerifier with a key the issuer withdraws", () => {
  // The clock is mocked (Date only: sockets and fetch keep real timers): nothing here waits.
  before(() => mock.timers.enable({ apis: ["Date"], now: Date.now() }));
  after(() => mock.timers.reset());

  it("attack: a leaked key's tokens stop verifying within 2 minutes of its withdrawal, with the defaults", async () => {
    const jwks = await startJwksServer();
    try {
      const verifier = new JwtVerifier(config(jwks), { secret: noSecret });
      const seen = await jwks.sign({ sub: "seen-before" });
      assert.ok((await verifier.verify(seen)).ok);

      jwks.withdraw("rsa-1");
      mock.timers.tick(59_000);
      // Both caches may still hold it for a while: the JWKS (60 s) and the verified token (60 s).
      assert.ok((await verifier.verify(seen)).ok, "a verified token is trusted for its cache's minute");
      assert.ok((await verifier.verify(await jwks.sign())).ok, "the fetched JWKS is used for a minute");
      assert.equal(jwks.hits(), 1);

      mock.timers.tick(61_000);
      assert.equal(reason(await verifier.verify(seen)), "unknown kid");
      assert.equal(reason(await verifier.verify(await jwks.sign())), "unknown kid");
      assert.equal(jwks.hits(), 2, "one fetch once the JWKS was a minute old");
      assert.ok((await verifier.verify(await jwks.sign({}, { alg: "ES256" }))).ok, "the keys still published verify");
    } finally {
      await jwks.close();
    }
  });
});

describe("JwtVerifier's JWKS fetching is rate-bounded", () => {
  it("fetches at most once per cooldown however many unknown kids arrive", async () => {
    const jwks = await startJwksServer();
    try {
      const verifier = new JwtVerifier(config(jwks), { secret: noSecret, cooldownMs: 60_000 });
      assert.ok((await verifier.verify(await jwks.sign())).ok);
      assert.equal(jwks.hits(), 1);
      for (let i = 0; i < 20; i++) {
        const token = await jwks.signWith(await jwks.unpublishedKey(`ghost-${i}`), {});
        assert.equal(reason(await verifier.verify(token)), "unknown kid");
      }
      assert.equal(jwks.hits(), 1);
    } finally {
      await jwks.close();
    }
  });

  it("answers unavailable when the issuer is down, and backs off instead of retrying per request", async () => {
    const jwks = await startJwksServer();
    const token = await jwks.sign();
    await jwks.close();
    const verifier = new JwtVerifier(config(jwks), { secret: noSecret });
    assert.match(reason(await verifier.verify(token)), /^unavailable/);
    assert.match(reason(await verifier.verify(token)), /backing off/);
  });

  it("refuses a JWKS response larger than it will hold", async () => {
    const jwks = await startJwksServer();
    try {
      jwks.override(JSON.stringify({ keys: [], pad: "x".repeat(600 * 1024) }));
      const verifier = new JwtVerifier(config(jwks), { secret: noSecret });
      assert.match(reason(await verifier.verify(await jwks.sign())), /larger than/);
    } finally {
      await jwks.close();
    }
  });
});

describe("JwtVerifier with an explicit shared secret", () => {
  const secret = new TextEncoder().encode("s".repeat(32));
  const hsConfig = (jwks: JwksServer): JwtConfig => {
    const { jwksUrl: _, ...rest } = config(jwks, { secretName: "JWT_KEY", algorithms: ["HS256"] });
    return rest;
  };

  it("accepts HS256 signed with the secret and refuses the asymmetric algorithms", async () => {
    const jwks = await startJwksServer();
    try {
      const verifier = new JwtVerifier(hsConfig(jwks), { secret: () => secret });
      const { SignJWT } = await import("jose");
      const now = Math.floor(Date.now() / 1000);
      const token = await new SignJWT({ sub: "svc" }).setProtectedHeader({ alg: "HS256" }).setIssuer(ISSUER).setAudience(AUDIENCE).setExpirationTime(now + 60).sign(secret);
      assert.ok((await verifier.verify(token)).ok);
      assert.equal(reason(await verifier.verify(await jwks.sign())), "algorithm not allowed");
    } finally {
      await jwks.close();
    }
  });

  it("will not verify with a secret shorter than the hash (RFC 7518 §3.2)", async () => {
    const jwks = await startJwksServer();
    try {
      const verifier = new JwtVerifier(hsConfig(jwks), { secret: () => new TextEncoder().encode("short") });
      const token = forge.algNone({}).replace(/^[^.]+/, Buffer.from('{"alg":"HS256"}').toString("base64url"));
      assert.match(reason(await verifier.verify(`${token}AAAA`)), /^unavailable: .*shorter/);
    } finally {
      await jwks.close();
    }
  });
});

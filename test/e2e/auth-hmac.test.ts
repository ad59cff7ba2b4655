// HMAC-signed JWTs, only because the app named a shared secret explicitly (jwt.secretName): the
// secret comes from the platform's secrets; until it exists nothing verifies (503, never open),
// and tokens signed with any other algorithm are refused.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SignJWT } from "jose";
import { AUDIENCE, ISSUER, startJwksServer, type JwksServer } from "../edge/auth/jwks-server.ts";
import { refusal, WHOAMI } from "./auth-app.ts";
import { up, writeApp, type RunningPlatform } from "./harness.ts";

const SECRET = "k".repeat(48);

function hs256(secret: string, claims: Record<string, unknown> = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ sub: "svc-1", ...claims })
    .setProtectedHeader({ alg: "HS256" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setExpirationTime(now + 120)
    .sign(new TextEncoder().encode(secret));
}

describe("JWT routes with an explicit shared secret", () => {
  let p: RunningPlatform;
  let jwks: JwksServer;
  const get = (token: string) => p.fetch("/svc", { headers: { authorization: `Bearer ${token}` } });

  before(async () => {
    jwks = await startJwksServer();
    const yaml = [
      "app: hmac",
      `jwt: { issuer: "${ISSUER}", audience: ${AUDIENCE}, secretName: JWT_HMAC_KEY, algorithms: [HS256] }`,
      "functions:",
      "  svc:",
      "    handler: src/whoami.js",
      "    triggers: [{ http: { method: GET, path: /svc, auth: jwt } }]",
    ].join("\n");
    p = await up(writeApp({ "bulwark.yaml": `${yaml}\n`, "src/whoami.js": WHOAMI }));
  });
  after(async () => {
    await p?.stop();
    await jwks?.close();
  });

  it("answers 503 while the named secret does not exist, never letting a token through", async () => {
    const res = await get(await hs256(SECRET));
    assert.equal(res.status, 503);
    const r = await refusal(p.dataDir, res);
    assert.deepEqual([r.code, r.event.type], ["BWK_AUTH_UNAVAILABLE", "auth.unavailable"]);
  });

  it("verifies HS256 with the secret once it is set, and refuses a token signed with another secret", async () => {
    const file = join(p.appDir, "secret.txt");
    writeFileSync(file, SECRET);
    const set = p.cli(["secrets", "set", "JWT_HMAC_KEY", "--from-file", file]);
    assert.equal(set.code, 0, set.stderr);

    const ok = await get(await hs256(SECRET));
    assert.equal(ok.status, 200);
    assert.deepEqual(((await ok.json()) as { identity: unknown }).identity, { subject: "svc-1", roles: [], via: "jwt" });

    const forged = await refusal(p.dataDir, await get(await hs256("x".repeat(48))));
    assert.deepEqual([forged.status, forged.code, forged.event.reason], [401, "BWK_UNAUTHORIZED", "bad signature"]);
  });

  it("refuses asymmetric tokens: the secret config admits HMAC only", async () => {
    const r = await refusal(p.dataDir, await get(await jwks.sign()));
    assert.deepEqual([r.status, r.event.reason], [401, "algorithm not allowed"]);
  });
});

// Second factor, sessions, CI tokens and login lockout through the real CLI and control API: the
// step-up 401 → code prompt → verify → retry flow, replayed and out-of-window TOTP codes, recovery
// code reuse, a stolen session token after logout, a CI token outside its stage, and lockout.
// All calls come from 127.0.0.1, whose failure count is shared: each platform below stays within
// the three free failures unless lockout is what it tests.
import assert from "node:assert/strict";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { manifest, up, writeApp, type RunningPlatform } from "./harness.ts";
import { addUser, api, cliAs, configDir, controlOf, enrol, login, totp, type Control } from "./people-helpers.ts";

const APP = {
  "bulwark.yaml": manifest("people", { hello: { handler: "src/hello.js", routes: ["GET /hello"] } }),
  "src/hello.js": "export async function handler() { return { ok: true }; }\n",
};

async function events(c: Control, type: string): Promise<Array<{ reason: string; principal?: string; clientIp?: string }>> {
  return (await api(c, c.local, "GET", `/v1/events?type=${type}`)).body as unknown as Array<{ reason: string; principal?: string }>;
}

async function audit(c: Control, query: string): Promise<Array<{ actor: { type: string; id: string }; action: string; target: string; outcome: string; details: Record<string, unknown> }>> {
  return (await api(c, c.local, "GET", `/v1/audit?${query}`)).body as never;
}

describe("people: MFA, sessions and CI tokens", () => {
  let p: RunningPlatform;
  let c: Control;
  let olgaPassword = "";
  let olgaRecovery: string[] = [];

  before(async () => {
    p = await up(writeApp(APP));
    c = controlOf(p);
    olgaPassword = await addUser(c, "olga", ["operator"]);
  });
  after(() => p.stop());

  it("asks for a fresh MFA check at step-up; the CLI prompts for the code, verifies and retries", async () => {
    const config = configDir();
    const signIn = await cliAs(["login", "--user", "olga", "--data-dir", p.dataDir], { config, input: `${olgaPassword}\n` });
    assert.equal(signIn.code, 0, signIn.stderr);
    const sessions = join(config, "bulwark", "sessions.json");
    assert.equal(statSync(sessions).mode & 0o777, 0o600);
    assert.equal(statSync(join(config, "bulwark")).mode & 0o777, 0o700);
    const token = (JSON.parse(readFileSync(sessions, "utf8")) as Record<string, { token: string }>)[c.url]!.token;

    // No authenticator yet: refused with the distinct problem, and told to enrol (no prompt).
    const refused = await api(c, token, "POST", "/v1/functions/hello/rollback", { to: 1 });
    assert.deepEqual([refused.status, refused.body.code, refused.body.mfaEnrolled], [401, "BWK_STEP_UP_REQUIRED", false]);
    assert.match(refused.headers.get("www-authenticate") ?? "", /insufficient_user_authentication/);
    const early = await cliAs(["rollback", "hello", "--to", "1", "--data-dir", p.dataDir], { config });
    assert.equal(early.code, 1);
    assert.match(early.stderr, /mfa enroll/);

    // Olga enrols from another terminal; this session has still not shown a second factor.
    const { secret, recoveryCodes } = await enrol(c, await login(c, "olga", olgaPassword), olgaPassword);
    olgaRecovery = recoveryCodes;
    const retried = await cliAs(["rollback", "hello", "--to", "1", "--data-dir", p.dataDir], { config, input: `${totp(secret, 30_000)}\n` });
    assert.equal(retried.code, 0, retried.stderr);
    assert.match(retried.stdout, /hello now serves v1/);
    assert.match(retried.stderr, /needs a fresh MFA check/);

    const trail = await audit(c, "actorId=olga&action=rollback.prod");
    assert.deepEqual(trail.map((r) => [r.outcome, r.details.code ?? null]), [
      ["denied", "BWK_STEP_UP_REQUIRED"],
      ["denied", "BWK_STEP_UP_REQUIRED"],
      ["denied", "BWK_STEP_UP_REQUIRED"],
      ["success", null],
    ]);
    assert.equal((await audit(c, "actorId=olga&action=mfa.verify")).at(-1)?.outcome, "success");
  });

  it("refuses a replayed code, a code from outside the window and a reused recovery code", async () => {
    const password = await addUser(c, "rita", ["operator"]);
    const token = await login(c, "rita", password);
    const started = await api(c, token, "POST", "/v1/auth/mfa/enroll", { password });
    const secret = started.body.secret as string;
    const used = totp(secret);
    const confirmed = await api(c, token, "POST", "/v1/auth/mfa/confirm", { code: used });
    const recovery = (confirmed.body.recoveryCodes as string[])[0]!;

    const replayed = await api(c, token, "POST", "/v1/auth/mfa/verify", { code: used });
    assert.deepEqual([replayed.status, replayed.body.code], [401, "BWK_MFA_REQUIRED"]);
    const stale = await api(c, token, "POST", "/v1/auth/mfa/verify", { code: totp(secret, -120_000) });
    assert.deepEqual([stale.status, stale.body.code], [401, "BWK_MFA_REQUIRED"]);
    const spent = await api(c, token, "POST", "/v1/auth/mfa/verify", { code: recovery });
    assert.deepEqual([spent.status, spent.body.recoveryCodesLeft], [200, 9]);
    const reused = await api(c, token, "POST", "/v1/auth/mfa/verify", { code: recovery });
    assert.deepEqual([reused.status, reused.body.code], [401, "BWK_MFA_REQUIRED"]);

    const reasons = (await events(c, "auth.mfa.failure")).filter((e) => e.principal === "rita").map((e) => e.reason);
    assert.deepEqual(reasons, ["replayed TOTP code", "wrong or out-of-window TOTP code", "unknown or already used recovery code"]);
    const verifies = await audit(c, "actorId=rita&action=mfa.verify");
    assert.deepEqual(verifies.map((r) => r.outcome), ["denied", "denied", "success", "denied"]);
  });

  it("a session token stolen before logout is worthless after it", async () => {
    const config = configDir();
    const signIn = await cliAs(["login", "--user", "olga", "--data-dir", p.dataDir], { config, input: `${olgaPassword}\n${olgaRecovery[0]}\n` });
    assert.equal(signIn.code, 0, signIn.stderr);
    const sessions = join(config, "bulwark", "sessions.json");
    const stolen = (JSON.parse(readFileSync(sessions, "utf8")) as Record<string, { token: string }>)[c.url]!.token;
    assert.equal((await api(c, stolen, "GET", "/v1/auth/whoami")).body.user, "olga");

    const out = await cliAs(["logout", "--data-dir", p.dataDir], { config });
    assert.equal(out.code, 0, out.stderr);
    assert.deepEqual(JSON.parse(readFileSync(sessions, "utf8")), {});
    const replay = await api(c, stolen, "GET", "/v1/functions");
    assert.deepEqual([replay.status, replay.body.code], [401, "BWK_UNAUTHORIZED"]);
    const refusals = await events(c, "auth.failure");
    assert.ok(refusals.some((e) => e.reason === "control API credential refused: revoked session"));
    const record = (await audit(c, "actorType=anonymous&action=functions.list")).at(-1);
    assert.deepEqual([record?.outcome, record?.details.credential], ["denied", "revoked session"]);
  });

  it("a CI token acts only on its stage and within its role, and not after it is revoked", async () => {
    const create = (role: string, stage: string) => api(c, c.local, "POST", "/v1/tokens", { role, stage, expiresInSeconds: 3600, name: `${role}-${stage}` });
    const dev = (await create("operator", "dev")).body as { token: string; id: string };
    const prod = (await create("operator", "prod")).body as { token: string; id: string };
    const auditorProd = (await create("auditor", "prod")).body as { token: string };

    const outside = await cliAs(["deploy", p.appDir, "--data-dir", p.dataDir], { config: configDir(), env: { BULWARK_TOKEN: dev.token } });
    assert.equal(outside.code, 1);
    assert.match(outside.stderr, /for the dev stage/);
    const rollback = await api(c, dev.token, "POST", "/v1/functions/hello/rollback", { to: 1 });
    assert.deepEqual([rollback.status, rollback.body.code], [403, "BWK_FORBIDDEN"]);
    const wrongRole = await api(c, auditorProd.token, "POST", "/v1/functions/hello/rollback", { to: 1 });
    assert.deepEqual([wrongRole.status, wrongRole.body.code], [403, "BWK_FORBIDDEN"]);

    // Within its stage and role it deploys without any prompt: there is no person to ask.
    const inside = await cliAs(["deploy", p.appDir, "--data-dir", p.dataDir], { config: configDir(), env: { BULWARK_TOKEN: prod.token } });
    assert.equal(inside.code, 0, inside.stderr);
    const deploys = await audit(c, `actorType=key&actorId=ci:${prod.id}&action=deploy.prod`);
    assert.equal(deploys.at(-1)?.outcome, "success");
    assert.equal((await audit(c, `actorId=ci:${dev.id}&action=deploy.prod`)).at(-1)?.outcome, "denied");

    const revoke = await cliAs(["tokens", "revoke", prod.id, "--data-dir", p.dataDir], { config: configDir() });
    assert.equal(revoke.code, 0, revoke.stderr);
    const after = await api(c, prod.token, "GET", "/v1/functions");
    assert.deepEqual([after.status, after.body.code], [401, "BWK_UNAUTHORIZED"]);
  });
});

describe("people: login lockout", () => {
  let p: RunningPlatform;
  let c: Control;

  before(async () => {
    p = await up(writeApp(APP), ["--login-lockout", "4"]);
    c = controlOf(p);
  });
  after(() => p.stop());

  it("locks the user and the address out after repeated failures: refused even with the right password, audited, an auth.lockout event", async () => {
    const password = await addUser(c, "lou", ["auditor"]);
    for (let i = 0; i < 4; i++) {
      const res = await api(c, null, "POST", "/v1/auth/login", { user: "lou", password: `guess-number-${i}` });
      assert.deepEqual([res.status, res.body.code], [401, "BWK_UNAUTHORIZED"]);
    }
    const locked = await api(c, null, "POST", "/v1/auth/login", { user: "lou", password });
    assert.deepEqual([locked.status, locked.body.code], [429, "BWK_LIMIT_EXCEEDED"]);
    assert.ok(Number(locked.headers.get("retry-after")) > 800);
    const cli = await cliAs(["login", "--user", "lou", "--data-dir", p.dataDir], { config: configDir(), input: `${password}\n` });
    assert.equal(cli.code, 1);
    assert.match(cli.stderr, /^bulwark: too many failed sign-ins: try again in \d+ s\n$/);

    const lockouts = await events(c, "auth.lockout");
    assert.deepEqual(lockouts.map((e) => e.principal), ["lou", "lou"]);
    const records = await audit(c, "action=auth.lockout");
    assert.deepEqual(records.map((r) => r.target.split(":")[0]), ["user", "address"]);
    assert.ok(records.every((r) => r.outcome === "denied"));
    const refusals = await audit(c, "action=auth.login&target=user:lou");
    // The first sign-in is lou's own, with the one-time password; then four guesses, two refusals.
    assert.deepEqual(refusals.map((r) => r.outcome), ["success", "denied", "denied", "denied", "denied", "denied", "denied"]);
    // The local operator token is not a sign-in: the host's operator can still act (break-glass).
    assert.equal((await api(c, c.local, "GET", "/v1/users")).status, 200);
  });
});

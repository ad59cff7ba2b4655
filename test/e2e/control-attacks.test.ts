// Attacks on the control plane as an outside attack suite would try them, each against the real
// platform over real HTTP: a stolen admin session without a second factor taking over another
// person's account, a web page reaching the loopback control port (DNS rebinding, cross-site),
// JSON bodies that are not objects, the audit log's checkpoints deleted so the whole chain can
// be rewritten without the signing key, CI tokens outliving the person who created them, and a
// stolen session enrolling the thief's authenticator or guessing the enrolment code. Each asserts
// the refusal AND its audit record or event.
import assert from "node:assert/strict";
import { request } from "node:http";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, afterEach, before, beforeEach, describe, it } from "node:test";
import { recordHash } from "../../src/security/audit/record-hash.ts";
import { decodeRecord, RECORD_COLUMNS } from "../../src/security/audit/rows.ts";
import { cli, manifest, up, writeApp, type RunningPlatform } from "./harness.ts";
import { addUser, api, controlOf, enrol, login, totp, type Answer, type Control } from "./people-helpers.ts";
import { securityEvents } from "./security-events.ts";

const APP = {
  "bulwark.yaml": manifest("attacked", { hello: { handler: "src/hello.js", routes: ["GET /hello"] } }),
  "src/hello.js": "export async function handler() { return { ok: true }; }\n",
};

type Trail = Array<{ action: string; target: string; outcome: string; requestId: string; details: Record<string, unknown> }>;

async function trail(c: Control, query: string): Promise<Trail> {
  return (await api(c, c.local, "GET", `/v1/audit?${query}`)).body as unknown as Trail;
}

/** One raw request with the headers a browser would send, which fetch does not let a caller set (Host). */
function raw(c: Control, path: string, headers: Record<string, string>, body = ""): Promise<{ status: number; code?: string; requestId?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(`${c.url}${path}`, { method: "POST", headers: { "content-type": "text/plain", ...headers }, agent: false }, (res) => {
      let text = "";
      res.on("data", (d: Buffer) => (text += d.toString()));
      res.on("end", () => {
        const problem = JSON.parse(text) as { code?: string; requestId?: string };
        resolve({ status: res.statusCode ?? 0, ...problem });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

describe("control plane attacks", () => {
  let p: RunningPlatform;
  let c: Control;
  let olafPassword = "";

  before(async () => {
    p = await up(writeApp(APP));
    c = controlOf(p);
    olafPassword = await addUser(c, "olaf", ["operator"]);
  });
  after(() => p.stop());

  it("a stolen admin session without a fresh MFA check cannot take over another account: reset-mfa, reset-password and enable need step-up (audited)", async () => {
    const adaPassword = await addUser(c, "ada", ["admin"]);
    const stolen = await login(c, "ada", adaPassword);

    for (const change of ["reset-mfa", "reset-password", "enable"]) {
      const refused = await api(c, stolen, "POST", `/v1/users/olaf/${change}`);
      assert.deepEqual([change, refused.status, refused.body.code], [change, 401, "BWK_STEP_UP_REQUIRED"]);
      assert.equal(refused.body.password, undefined, "no one-time password handed out");
      const [record] = (await trail(c, "actorId=ada&action=users.manage&target=user:olaf")).filter((r) => r.requestId === refused.body.requestId);
      assert.deepEqual([record?.outcome, record?.details.change, record?.details.code], ["denied", change, "BWK_STEP_UP_REQUIRED"]);
    }
    // Olaf's own password still opens his account: nothing was reset.
    assert.match(await login(c, "olaf", olafPassword), /^bws_/);

    // With a second factor shown just now the same admin may.
    const fresh = await login(c, "ada", adaPassword);
    await enrol(c, fresh, adaPassword);
    const reset = await api(c, fresh, "POST", "/v1/users/olaf/reset-password");
    assert.equal(reset.status, 200);
    assert.equal(typeof reset.body.password, "string");
  });

  it("a web page cannot reach the loopback control API: a rebound Host or a cross-site Origin is refused (403), audited and a control.browser_request event", async () => {
    const port = new URL(c.url).port;
    const guess = JSON.stringify({ user: "admin", password: "guessed-by-a-web-page" });
    const rebound = await raw(c, "/v1/auth/login", { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` }, guess);
    const crossSite = await raw(c, "/v1/auth/login", { origin: "https://attacker.example" }, guess);
    const opaque = await raw(c, "/v1/auth/whoami", { origin: "null", authorization: `Bearer ${c.local}` });
    // Even the local operator token is refused from a rebound page: the Host alone decides.
    const withToken = await raw(c, "/v1/users", { host: `rebind.attacker.example:${port}`, authorization: `Bearer ${c.local}` }, "{}");

    for (const res of [rebound, crossSite, opaque, withToken]) assert.deepEqual([res.status, res.code], [403, "BWK_FORBIDDEN"]);
    const events = await securityEvents(p, "control.browser_request");
    for (const res of [rebound, crossSite, opaque, withToken]) {
      const event = events.find((e) => e.requestId === res.requestId);
      assert.equal(event?.severity, "high");
    }
    assert.match(events.find((e) => e.requestId === rebound.requestId)!.reason, /DNS rebinding/);
    const refusals = (await trail(c, "action=auth.login")).filter((r) => r.requestId === rebound.requestId || r.requestId === crossSite.requestId);
    assert.equal(refusals.length, 2);
    assert.ok(refusals.every((r) => r.outcome === "denied" && typeof r.details.refused === "string"));
    // No sign-in was attempted, so no failure was counted against admin or the loopback address.
    assert.equal((await securityEvents(p, "auth.failure")).filter((e) => e.principal === "admin").length, 0);
    // The CLI, which names the loopback address it dialled and no Origin, is unaffected.
    assert.equal(cli(["whoami", "--data-dir", p.dataDir]).code, 0);
  });

  it("a JSON body that is not an object (null, a list, a string) is a 400, never a 500 from inside a handler (audited)", async () => {
    for (const body of ["null", "[]", '"admin"']) {
      const res = await raw(c, "/v1/users", { authorization: `Bearer ${c.local}`, "content-type": "application/json" }, body);
      assert.deepEqual([body, res.status, res.code], [body, 400, "BWK_BAD_REQUEST"]);
      const [record] = (await trail(c, "action=users.manage")).filter((r) => r.requestId === res.requestId);
      assert.deepEqual([record?.outcome, record?.details.code], ["failure", "BWK_BAD_REQUEST"]);
    }
  });

  it("CI tokens stop working when the person who created them is disabled, stay revoked when they are enabled again, and say why in tokens ls (audited)", async () => {
    const password = await addUser(c, "carla", ["admin"]);
    const session = await login(c, "carla", password);
    await enrol(c, session, password);
    const created = await api(c, session, "POST", "/v1/tokens", { role: "operator", stage: "prod", expiresInSeconds: 3600, name: "carla-pipeline" });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const ciToken = created.body.token as string;
    const byOthers = await api(c, c.local, "POST", "/v1/tokens", { role: "operator", stage: "prod", expiresInSeconds: 3600 });
    assert.equal((await api(c, ciToken, "GET", "/v1/functions")).status, 200);

    const disabled = await api(c, c.local, "POST", "/v1/users/carla/disable");
    assert.deepEqual(disabled.body.ciTokensRevoked, [created.body.id]);
    const [record] = (await trail(c, "action=users.manage&target=user:carla")).filter((r) => r.details.change === "disable");
    assert.deepEqual(record?.details.ciTokensRevoked, [created.body.id]);

    const refused = await api(c, ciToken, "GET", "/v1/functions");
    assert.deepEqual([refused.status, refused.body.code], [401, "BWK_UNAUTHORIZED"]);
    const event = (await securityEvents(p, "auth.failure")).find((e) => e.requestId === refused.body.requestId);
    assert.match(event?.reason ?? "", /revoked CI token/);
    const [refusal] = (await trail(c, "action=functions.list")).filter((r) => r.requestId === refused.body.requestId);
    assert.deepEqual([refusal?.outcome, refusal?.details.credential], ["denied", "revoked CI token"]);

    // Enabled again, carla gets her roles back, not the token.
    assert.equal((await api(c, c.local, "POST", "/v1/users/carla/enable")).status, 200);
    assert.equal((await api(c, ciToken, "GET", "/v1/functions")).status, 401);
    assert.equal((await api(c, byOthers.body.token as string, "GET", "/v1/functions")).status, 200, "tokens others created are untouched");

    const ls = p.cli(["tokens", "ls"]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, new RegExp(`^${String(created.body.id)}\\s+carla-pipeline\\s+operator\\s+prod\\s+revoked .*\\(its creator carla was disabled\\)$`, "m"));
  });

  it("audit: with every checkpoint deleted the whole chain rewritten without the key is caught, offline and at the next start (critical audit.tampered)", async () => {
    // More records than one checkpoint interval (100), each call audited.
    for (let i = 0; i < 110; i++) await api(c, c.local, "GET", "/v1/auth/whoami");
    await p.halt();
    const db = new DatabaseSync(join(p.dataDir, "audit.db"));
    db.exec("DROP TRIGGER audit_records_append_only_update; DROP TRIGGER audit_checkpoints_append_only_delete; DELETE FROM audit_checkpoints");
    // Erase ada's refused takeover attempts from the trail and rehash every record after them.
    db.exec("UPDATE audit_records SET outcome = 'success', details = '{}' WHERE actor_id = 'ada' AND outcome = 'denied'");
    let prevHash = String(db.prepare("SELECT hash FROM audit_records WHERE seq = 1").get()!["hash"]);
    for (const row of db.prepare(`SELECT ${RECORD_COLUMNS} FROM audit_records WHERE seq > 1 ORDER BY seq`).all()) {
      const rec = decodeRecord(row)!;
      const hash = recordHash({ ...rec, prevHash });
      db.prepare("UPDATE audit_records SET prev_hash = ?, hash = ? WHERE seq = ?").run(prevHash, hash, rec.seq);
      prevHash = hash;
    }
    db.close();

    const offline = cli(["audit", "verify", "--offline", "--data-dir", p.dataDir]);
    assert.equal(offline.code, 3, offline.stdout + offline.stderr);
    assert.match(offline.stdout, /^TAMPERED: checkpoints-deleted at seq 1:/m);

    // Started again, the platform must not sign a checkpoint over the rewrite without saying so.
    p = await up(p.appDir, [], { dataDir: p.dataDir });
    const tampered = (await securityEvents(p, "audit.tampered")).filter((e) => e.details?.problem === "checkpoints-deleted");
    assert.equal(tampered.length, 1);
    assert.equal(tampered[0]!.severity, "critical");
  });
});

// Each on its own platform with a lockout after 4 failures: a lockout also holds the loopback
// address every test here calls from.
describe("MFA enrolment attacks with a stolen session", () => {
  let p: RunningPlatform;
  let c: Control;

  beforeEach(async () => {
    p = await up(writeApp(APP), ["--login-lockout", "4"]);
    c = controlOf(p);
  });
  afterEach(() => p.stop());

  it("a stolen session cannot enrol the thief's authenticator: the password is asked again, and wrong ones are auth.failure events that lock the account out like sign-ins (audited)", async () => {
    const password = await addUser(c, "nina", ["operator"]);
    const stolen = await login(c, "nina", password);
    const noPassword = await api(c, stolen, "POST", "/v1/auth/mfa/enroll");
    assert.deepEqual([noPassword.status, noPassword.body.code, noPassword.body.secret], [400, "BWK_INVALID_ARGUMENT", undefined]);
    const guesses: Answer[] = [];
    for (let i = 0; i < 3; i++) guesses.push(await api(c, stolen, "POST", "/v1/auth/mfa/enroll", { password: `thief-guess-${i}` }));
    for (const g of guesses) assert.deepEqual([g.status, g.body.code, g.body.secret], [403, "BWK_FORBIDDEN", undefined]);
    const failures = (await securityEvents(p, "auth.failure")).filter((e) => e.principal === "nina" && e.reason === "MFA enrolment refused: wrong current password");
    assert.deepEqual(failures.map((e) => e.requestId), guesses.map((g) => g.body.requestId));
    const [record] = (await trail(c, "actorId=nina&action=mfa.enroll")).filter((r) => r.requestId === guesses[0]!.body.requestId);
    assert.deepEqual([record?.outcome, record?.details.code], ["denied", "BWK_FORBIDDEN"]);
    // The 4th wrong password, at sign-in, locks nina out: one count for both routes.
    assert.equal((await api(c, null, "POST", "/v1/auth/login", { user: "nina", password: "thief-guess-3" })).status, 401);
    assert.ok((await securityEvents(p, "auth.lockout")).some((e) => e.principal === "nina"));
    const locked = await api(c, stolen, "POST", "/v1/auth/mfa/enroll", { password });
    assert.deepEqual([locked.status, locked.body.code, locked.body.secret], [429, "BWK_LIMIT_EXCEEDED", undefined]);
    const users = (await api(c, c.local, "GET", "/v1/users")).body as unknown as Array<{ name: string; mfaEnrolled: boolean }>;
    assert.equal(users.find((u) => u.name === "nina")?.mfaEnrolled, false);
  });

  it("wrong codes while confirming an enrolment are auth.mfa.failure events and lock the account out like step-up codes (audited)", async () => {
    const password = await addUser(c, "otto", ["operator"]);
    const session = await login(c, "otto", password);
    const started = await api(c, session, "POST", "/v1/auth/mfa/enroll", { password });
    assert.equal(started.status, 200);
    const secret = started.body.secret as string;
    const wrong = ["100001", "100002", "100003", "100004", "100005"].filter((code) => code !== totp(secret)).slice(0, 4);
    const answers: Answer[] = [];
    for (const code of wrong) answers.push(await api(c, session, "POST", "/v1/auth/mfa/confirm", { code }));
    for (const a of answers) assert.deepEqual([a.status, a.body.code], [401, "BWK_MFA_REQUIRED"]);
    const failures = (await securityEvents(p, "auth.mfa.failure")).filter((e) => e.principal === "otto");
    assert.deepEqual(failures.map((e) => [e.requestId, e.reason]), answers.map((a) => [a.body.requestId, "wrong code for the authenticator being enrolled"]));
    const [record] = (await trail(c, "actorId=otto&action=mfa.enroll")).filter((r) => r.requestId === answers[0]!.body.requestId);
    assert.deepEqual([record?.outcome, record?.details.code, record?.details.step], ["denied", "BWK_MFA_REQUIRED", "confirm"]);
    assert.ok((await securityEvents(p, "auth.lockout")).some((e) => e.principal === "otto"));
    // Even the right code is refused now: a guesser cannot keep going.
    const right = await api(c, session, "POST", "/v1/auth/mfa/confirm", { code: totp(secret) });
    assert.deepEqual([right.status, right.body.code], [429, "BWK_LIMIT_EXCEEDED"]);
  });
});

// Who may act on which stage, through the real control API and CLI: a developer deploys to dev
// without MFA and is refused prod; a CI token acts on its own stage only; a developer reads the
// logs of a function whose serving version they deployed and nobody else's, and each refusal is
// in the audit trail with the stage it was about.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { manifest, up, writeApp, type RunningPlatform } from "./harness.ts";
import { addUser, api, cliAs, configDir, controlOf, login, type Control } from "./people-helpers.ts";

interface AuditRecord {
  action: string;
  outcome: string;
  actor: { id: string };
  details: { stage?: string; code?: string };
}

describe("stages: people and CI tokens", () => {
  let p: RunningPlatform;
  let c: Control;
  let dana = "";
  let devon = "";
  /** The CLI with this bearer token (a session or a CI token) as BULWARK_TOKEN. */
  const as = (token: string, args: string[]) => cliAs([...args, "--data-dir", p.dataDir], { config: configDir(), env: { BULWARK_TOKEN: token } });
  const trail = async (query: string) => (await api(c, c.local, "GET", `/v1/audit?${query}`)).body as unknown as AuditRecord[];
  const ciToken = async (role: string, stage: string) => (await api(c, c.local, "POST", "/v1/tokens", { role, stage, expiresInSeconds: 3600 })).body.token as string;

  before(async () => {
    p = await up(
      writeApp({
        "bulwark.yaml": manifest("crew", { hello: { handler: "src/hello.js", routes: ["GET /hello"] } }),
        "src/hello.js": "export async function handler() { console.log('hello ran'); return { ok: true }; }\n",
      }),
    );
    c = controlOf(p);
    // Developers without a second factor: deploying to dev must not need one.
    dana = await login(c, "dana", await addUser(c, "dana", ["developer"]));
    devon = await login(c, "devon", await addUser(c, "devon", ["developer"]));
  });
  after(() => p.stop());

  it("a developer deploys to dev without MFA and is refused prod (403, audited as deploy.prod)", async () => {
    const dev = await as(dana, ["deploy", p.appDir, "--stage", "dev"]);
    assert.equal(dev.code, 0, dev.stderr);
    assert.match(dev.stdout, /to the dev stage/);
    const prod = await as(dana, ["deploy", p.appDir]);
    assert.equal(prod.code, 1);
    assert.match(prod.stderr, /^bulwark: your roles do not allow deploy\.prod/m);
    const records = await trail("actorId=dana&action=deploy.prod");
    assert.deepEqual(records.map((r) => [r.outcome, r.details.stage, r.details.code]), [["denied", "prod", "BWK_FORBIDDEN"]]);
    assert.deepEqual((await trail("actorId=dana&action=deploy.dev")).map((r) => [r.outcome, r.details.stage]), [["success", "dev"]]);
  });

  it("a developer lists and invokes functions in dev only (the matrix's dev-stage grant)", async () => {
    assert.equal((await api(c, dana, "GET", "/v1/functions?stage=dev")).status, 200);
    assert.equal((await api(c, dana, "POST", "/v1/functions/hello/invoke?stage=dev", { event: {} })).status, 200);
    assert.equal((await api(c, dana, "GET", "/v1/functions")).status, 403);
    assert.equal((await api(c, dana, "POST", "/v1/functions/hello/invoke?stage=prod", { event: {} })).status, 403);
  });

  it("a CI token for dev cannot touch prod, and one for prod cannot touch dev", async () => {
    const devToken = await ciToken("operator", "dev");
    const prodToken = await ciToken("operator", "prod");
    assert.equal((await as(devToken, ["deploy", p.appDir, "--stage", "dev"])).code, 0);
    for (const [token, stage, other] of [[devToken, "dev", "prod"], [prodToken, "prod", "dev"]] as const) {
      const deploy = await as(token, ["deploy", p.appDir, "--stage", other]);
      assert.equal(deploy.code, 1);
      assert.match(deploy.stderr, new RegExp(`^bulwark: this CI token is for the ${stage} stage; deploy\\.${other} is about ${other}`, "m"));
      // Not only deploys: the other stage's secrets and functions are out of reach too.
      assert.equal((await api(c, token, "POST", `/v1/secrets/PSP_API_KEY?stage=${other}`, { value: "planted" })).status, 403);
      assert.equal((await api(c, token, "GET", `/v1/functions?stage=${other}`)).status, 403);
    }
    const refused = await trail("actorType=key&action=secrets.write");
    assert.deepEqual(refused.map((r) => [r.outcome, r.details.stage]).sort(), [["denied", "dev"], ["denied", "prod"]]);
  });

  it("logs.read.own: a developer reads the logs of what they deployed, and gets 403 for anyone else's (audited)", async () => {
    // The CI token's redeploy above changed nothing, so dana's version still serves in dev.
    assert.equal((await api(c, c.local, "POST", "/v1/functions/hello/invoke?stage=dev", { event: {} })).status, 200);
    const own = await as(dana, ["logs", "hello", "--stage", "dev"]);
    assert.equal(own.code, 0, own.stderr);
    assert.match(own.stdout, /hello ran/);
    const theirs = await as(devon, ["logs", "hello", "--stage", "dev"]);
    assert.equal(theirs.code, 1);
    assert.match(theirs.stderr, /^bulwark: your roles do not allow logs\.read\.own/m);
    // prod's hello was deployed by the operator who started the platform, not by dana.
    assert.equal((await api(c, dana, "GET", "/v1/functions/hello/logs?stage=prod")).status, 403);
    const records = await trail("action=logs.read.own&target=function:hello");
    assert.deepEqual(
      records.map((r) => [r.actor.id, r.outcome, r.details.stage]),
      [["dana", "success", "dev"], ["devon", "denied", "dev"], ["dana", "denied", "prod"]],
    );
  });

  it("ownership follows the serving version: a new deploy by another developer moves it", async () => {
    const redeploy = writeApp({
      "bulwark.yaml": manifest("crew", { hello: { handler: "src/hello.js", routes: ["GET /hello"] } }),
      "src/hello.js": "export async function handler() { console.log('devon was here'); return { ok: 2 }; }\n",
    });
    assert.equal((await as(devon, ["deploy", redeploy, "--stage", "dev"])).code, 0);
    assert.equal((await api(c, devon, "GET", "/v1/functions/hello/logs?stage=dev")).status, 200);
    assert.equal((await api(c, dana, "GET", "/v1/functions/hello/logs?stage=dev")).status, 403);
    const versions = (await api(c, c.local, "GET", "/v1/functions/hello/versions?stage=dev")).body as unknown as Array<{ version: number; deployedBy: string }>;
    assert.deepEqual(versions.map((v) => [v.version, v.deployedBy]), [[1, "dana"], [2, "devon"]]);
  });
});

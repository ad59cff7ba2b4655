// Limit overrides end to end: an operator brakes a function with `bulwark limits set --rate 1/m`,
// and a second quick request to it is refused 429 with Retry-After and a rate.limited event naming
// the "override" limit, on each of its routes; `limits clear` lifts it. An override only tightens:
// a rate or concurrency above the deployed one is refused with one line. A developer may not set
// one (403, audited). An override survives a restart. It also brakes direct invokes and ctx.invoke.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { json, up, writeApp, type RunningPlatform } from "./harness.ts";
import { addUser, api, cliAs, configDir, controlOf, login, type Control } from "./people-helpers.ts";
import { eventOf, securityEvents } from "./security-events.ts";

const APP = {
  "bulwark.yaml": `app: limits
functions:
  hello:
    handler: src/hello.js
    triggers:
      - http: { method: GET, path: "/hello", auth: none }
      - http: { method: GET, path: "/hello/again", auth: none }
  capped:
    handler: src/hello.js
    triggers:
      - http: { method: GET, path: "/capped", auth: none, rateLimit: "10/s" }
  which:
    handler: src/which.js
    triggers:
      - http: { method: GET, path: "/which", auth: none }
  direct:
    handler: src/hello.js
  relay:
    handler: src/relay.js
    permissions: { invoke: [inner] }
    triggers:
      - http: { method: GET, path: "/relay", auth: none }
  inner:
    handler: src/hello.js
`,
  "src/hello.js": "export async function handler() { return { ok: true }; }\n",
  // Calls inner twice; reports how each call ended.
  "src/relay.js": "export async function handler(event, ctx) {\n  const outcome = (p) => p.then(() => 'ok', (e) => [e.name, e.code]);\n  return [await outcome(ctx.invoke('inner', {})), await outcome(ctx.invoke('inner', {}))];\n}\n",
  // Names the sandbox that answered; the pause makes concurrent requests overlap.
  "src/which.js": "const sandbox = Math.random();\nexport async function handler() { await new Promise((r) => setTimeout(r, 200)); return { sandbox }; }\n",
};

describe("limits: an operator's override tightens a function's limits at run time", () => {
  let p: RunningPlatform;
  let c: Control;
  let operator = "";
  let developer = "";

  before(async () => {
    p = await up(writeApp(APP));
    c = controlOf(p);
    operator = await login(c, "olga", await addUser(c, "olga", ["operator"]));
    developer = await login(c, "dave", await addUser(c, "dave", ["developer"]));
  });
  after(() => p.stop());

  const as = (token: string, args: string[]) => cliAs([...args, "--data-dir", p.dataDir], { config: configDir(), env: { BULWARK_TOKEN: token } });

  /** Two requests under a 1/m bucket (one token a minute): the second finds it empty, however slow the machine. */
  async function expectBraked(path: string): Promise<void> {
    assert.equal((await p.fetch(path)).status, 200);
    const res = await p.fetch(path);
    assert.equal(res.status, 429);
    assert.match(res.headers.get("retry-after") ?? "", /^[1-9]\d*$/);
    assert.deepEqual([(await json(res)).code], ["BWK_RATE_LIMITED"]);
    const event = await eventOf(p, res, "rate.limited");
    assert.deepEqual([event?.function, event?.details?.limit, event?.details?.rate], ["hello", "override", "1/m"]);
  }

  it("sets a 1/m rate: the second quick request is 429 with a rate.limited event, on every route of the function", async () => {
    assert.equal((await p.fetch("/hello")).status, 200);
    const set = await as(operator, ["limits", "set", "hello", "--rate", "1/m"]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^hello in the prod stage is limited to rate 1\/m;/);
    await expectBraked("/hello");
    assert.equal((await p.fetch("/capped")).status, 200, "another function is not braked");
    const listed = await as(operator, ["limits", "ls"]);
    assert.match(listed.stdout, /^hello\s+rate 1\/m\s+by olga at /m);
  });

  it("attack: the override also brakes `bulwark invoke` and ctx.invoke (429 / LimitExceeded, rate.limited events)", async () => {
    for (const fn of ["direct", "inner"]) assert.equal((await as(operator, ["limits", "set", fn, "--rate", "1/m"])).code, 0);
    assert.equal((await as(operator, ["invoke", "direct"])).code, 0);
    const refused = await as(operator, ["invoke", "direct"]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /^bulwark: .*direct is rate limited by an operator: retry in \d+ s/);
    assert.equal(refused.stderr.trim().split("\n").length, 1);
    const direct = (await securityEvents(p, "rate.limited")).filter((e) => e.function === "direct");
    assert.deepEqual(direct.map((e) => [e.details?.limit, e.details?.rate, e.details?.via]), [["override", "1/m", "invoke"]]);

    const res = await p.fetch("/relay");
    assert.equal(res.status, 200);
    assert.deepEqual(await json(res), ["ok", ["LimitExceeded", "BWK_RATE_LIMITED"]]);
    const event = await eventOf(p, res, "rate.limited");
    assert.deepEqual([event?.function, event?.details?.limit, event?.details?.via, event?.details?.caller], ["inner", "override", "ctx.invoke", "relay"]);
  });

  it("refuses a looser value with one line, and keeps the override as it was", async () => {
    const concurrency = await as(operator, ["limits", "set", "hello", "--concurrency", "9"]);
    assert.equal(concurrency.code, 1);
    assert.match(concurrency.stderr, /^bulwark: .*concurrency 9 is above hello's deployed 8: an override can only tighten/);
    assert.equal(concurrency.stderr.trim().split("\n").length, 1);
    const rate = await as(operator, ["limits", "set", "capped", "--rate", "20/s"]);
    assert.equal(rate.code, 1);
    assert.match(rate.stderr, /rate 20\/s is above capped's deployed 10\/s: an override can only tighten/);
    assert.equal((await as(operator, ["limits", "set", "capped", "--rate", "5/s", "--concurrency", "2"])).code, 0);
    assert.match((await as(operator, ["limits", "ls"])).stdout, /^capped\s+rate 5\/s, concurrency 2\s/m);
    assert.equal((await p.fetch("/capped")).status, 200, "a function under a concurrency cap still serves");
  });

  it("caps concurrency: with --concurrency 1 every request is served by the one sandbox, a fresh one", async () => {
    const before = (await json(await p.fetch("/which"))).sandbox;
    assert.equal((await as(operator, ["limits", "set", "which", "--concurrency", "1"])).code, 0);
    const answers = await Promise.all([1, 2, 3, 4].map(async () => (await json(await p.fetch("/which"))).sandbox));
    assert.equal(new Set(answers).size, 1, JSON.stringify(answers));
    assert.notEqual(answers[0], before, "setting it retired the sandboxes made under the old limit");
  });

  it("attack: a developer may not set, list or clear overrides (403, audited)", async () => {
    const res = await api(c, developer, "POST", "/v1/functions/hello/limits", { rate: "1000/s" });
    assert.deepEqual([res.status, res.body.code], [403, "BWK_FORBIDDEN"]);
    for (const call of [["GET", "/v1/limits"], ["POST", "/v1/functions/hello/limits/clear"]] as const) {
      assert.equal((await api(c, developer, call[0], call[1], call[0] === "GET" ? undefined : {})).status, 403, call[1]);
    }
    const trail = (await api(c, c.local, "GET", "/v1/audit?action=limits.configure&actorId=dave")).body as unknown as Array<{ outcome: string; details: { code?: string } }>;
    assert.equal(trail.length, 3);
    assert.ok(trail.every((r) => r.outcome === "denied" && r.details.code === "BWK_FORBIDDEN"));
  });

  it("survives a restart", async () => {
    await p.halt();
    p = await up(p.appDir, [], { dataDir: p.dataDir });
    c = controlOf(p);
    assert.equal((await p.fetch("/hello/again")).status, 200);
    assert.equal((await p.fetch("/hello/again")).status, 429);
    assert.match((await as(operator, ["limits", "ls"])).stdout, /^hello\s+rate 1\/m\s/m);
  });

  it("clears: the function serves again at its manifest's limits, and the change is audited", async () => {
    const cleared = await as(operator, ["limits", "clear", "hello"]);
    assert.equal(cleared.code, 0, cleared.stderr);
    assert.match(cleared.stdout, /^hello in the prod stage is back to its manifest's limits \(override was rate 1\/m\)/);
    for (let i = 0; i < 3; i++) assert.equal((await p.fetch("/hello")).status, 200);
    assert.equal((await as(operator, ["limits", "clear", "hello"])).code, 1, "nothing left to clear");
    const trail = (await api(c, c.local, "GET", "/v1/audit?action=limits.configure&actorId=olga")).body as unknown as Array<{ outcome: string; target: string; details: Record<string, unknown> }>;
    const last = trail.filter((r) => r.outcome === "success").at(-1);
    assert.deepEqual([last?.target, last?.details.rate, last?.details.setBy, last?.details.stage], ["function:hello", "1/m", "olga", "prod"]);
  });
});

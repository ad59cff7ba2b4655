// Quarantine end to end: an operator quarantines a function; its route answers 503 problem+json
// without running its code, ctx.invoke to it and a direct invoke fail, `ls` shows it, and each
// refused invocation is a security event. It survives a restart. Releasing it needs a fresh MFA
// check (401 step-up, which the CLI turns into a code prompt) and is refused to a developer (403);
// then it serves again. Setting and releasing are audited. Quarantining ends the function's warm
// sandboxes in that stage (not in the other): after a release it starts fresh, with none of the
// state its code had left in memory.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { manifest, up, writeApp, type RunningPlatform } from "./harness.ts";
import { addUser, api, cliAs, configDir, controlOf, enrol, login, totp, type Control } from "./people-helpers.ts";
import { securityEvents } from "./security-events.ts";

const APP = {
  "bulwark.yaml": manifest("quarantine", {
    hello: { handler: "src/hello.js", routes: ["GET /hello"] },
    caller: { handler: "src/caller.js", routes: ["GET /caller"], extra: "permissions:\n  invoke: [hello]" },
    keeper: { handler: "src/keeper.js", routes: ["GET /keeper"] },
  }),
  // State held in a warm sandbox's memory, as an attacker's foothold would be.
  "src/keeper.js": "let calls = 0;\nexport async function handler() { return { calls: ++calls }; }\n",
  "src/hello.js": 'export async function handler() { console.log("hello ran"); return { ok: true }; }\n',
  "src/caller.js": `export async function handler(event, ctx) {
  try {
    return { called: await ctx.invoke("hello", {}) };
  } catch (e) {
    return { refused: e.code ?? e.name };
  }
}
`,
};

interface AuditRecord {
  actor: { id: string };
  outcome: string;
  target: string;
  details: Record<string, unknown>;
}

describe("quarantine: set, refuse, survive a restart, release with step-up", () => {
  let p: RunningPlatform;
  let c: Control;
  /** Olga's session from before she enrolled MFA: it has shown no second factor. */
  let olga = "";
  let olgaSecret = "";
  let developer = "";

  before(async () => {
    p = await up(writeApp(APP));
    c = controlOf(p);
    const password = await addUser(c, "olga", ["operator"]);
    olga = await login(c, "olga", password);
    olgaSecret = (await enrol(c, await login(c, "olga", password), password)).secret;
    developer = await login(c, "dave", await addUser(c, "dave", ["developer"]));
  });
  after(() => p.stop());

  const as = (token: string, args: string[], input?: string) =>
    cliAs([...args, "--data-dir", p.dataDir], { config: configDir(), env: { BULWARK_TOKEN: token }, ...(input === undefined ? {} : { input }) });
  const trail = async (action: string) => (await api(c, c.local, "GET", `/v1/audit?action=${action}`)).body as unknown as AuditRecord[];
  const helloRuns = () => (p.cli(["logs", "hello"]).stdout.match(/hello ran/g) ?? []).length;

  it("quarantines: the route answers 503 problem+json without running code, ctx.invoke and direct invoke fail, ls shows it", async () => {
    assert.equal((await p.fetch("/hello")).status, 200);
    const set = await as(olga, ["quarantine", "hello", "--reason", "suspected exfiltration"]);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /^hello is quarantined in the prod stage \(suspected exfiltration\)/);
    const runs = helloRuns();

    const res = await p.fetch("/hello");
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    const problem = (await res.json()) as Record<string, unknown>;
    assert.deepEqual([problem.type, problem.code], ["urn:bulwark:problem:quarantined", "BWK_QUARANTINED"]);
    assert.ok(!JSON.stringify(problem).includes("exfiltration"), "the reason is for operators, not callers");

    assert.deepEqual(await (await p.fetch("/caller")).json(), { refused: "BWK_QUARANTINED" });
    const direct = p.cli(["invoke", "hello"]);
    assert.equal(direct.code, 1);
    assert.match(direct.stderr, /^bulwark: The function is quarantined/);
    assert.equal(helloRuns(), runs, "none of its code ran");

    const listed = p.cli(["ls"]).stdout;
    assert.match(listed, /^hello\s+prod\s+v1\s+QUARANTINED\s/m);
    assert.match(listed, /^caller\s+prod\s+v1\s+serving\s/m);
    const set_ = (await trail("quarantine.set")).at(-1);
    assert.deepEqual([set_?.actor.id, set_?.outcome, set_?.target, set_?.details.reason, set_?.details.stage], ["olga", "success", "function:hello", "suspected exfiltration", "prod"]);
  });

  it("records each refused invocation as a security event: the route, ctx.invoke and the direct invoke", async () => {
    const refused = await securityEvents(p, "quarantine.refused");
    assert.equal(refused.length, 3, JSON.stringify(refused));
    assert.ok(refused.every((e) => e.function === "hello" && e.severity === "medium" && e.details?.stage === "prod"));
    assert.deepEqual(refused.map((e) => e.details?.caller ?? null), [null, "caller", null]);
  });

  it("stays quarantined after a restart", async () => {
    await p.halt();
    p = await up(p.appDir, [], { dataDir: p.dataDir });
    c = controlOf(p);
    assert.equal((await p.fetch("/hello")).status, 503);
    assert.match(p.cli(["ls"]).stdout, /^hello\s+prod\s+v1\s+QUARANTINED\s/m);
  });

  it("attack: a developer may neither quarantine nor release (403)", async () => {
    for (const verb of ["quarantine", "release"]) {
      const res = await api(c, developer, "POST", `/v1/functions/hello/${verb}`, {});
      assert.deepEqual([res.status, res.body.code], [403, "BWK_FORBIDDEN"], verb);
    }
    assert.equal((await trail("quarantine.release")).at(-1)?.details.code, "BWK_FORBIDDEN");
  });

  it("attack: an operator without a recent MFA check gets 401 step-up on release, and it stays quarantined", async () => {
    const res = await api(c, olga, "POST", "/v1/functions/hello/release", {});
    assert.deepEqual([res.status, res.body.code, res.body.mfaEnrolled], [401, "BWK_STEP_UP_REQUIRED", true]);
    assert.equal((await p.fetch("/hello")).status, 503);
  });

  it("releases after the CLI's step-up prompt; the function serves again", async () => {
    const released = await as(olga, ["release", "hello"], `${totp(olgaSecret, 30_000)}\n`);
    assert.equal(released.code, 0, released.stderr);
    assert.match(released.stderr, /needs a fresh MFA check/);
    assert.match(released.stdout, /^hello is back in service in the prod stage \(quarantined by olga at /);
    assert.equal((await p.fetch("/hello")).status, 200);
    assert.deepEqual(await (await p.fetch("/caller")).json(), { called: { ok: true } });
    assert.match(p.cli(["ls"]).stdout, /^hello\s+prod\s+v1\s+serving\s/m);
    const releases = (await trail("quarantine.release")).filter((r) => r.actor.id === "olga");
    assert.deepEqual(releases.map((r) => [r.outcome, r.details.code ?? null]), [
      ["denied", "BWK_STEP_UP_REQUIRED"],
      ["denied", "BWK_STEP_UP_REQUIRED"],
      ["success", null],
    ]);
    assert.equal(releases.at(-1)?.details.reason, "suspected exfiltration");
  });

  it("ends the function's warm sandboxes in its stage only; after a release it starts fresh", async () => {
    assert.equal(p.cli(["deploy", p.appDir, "--stage", "dev"]).code, 0);
    const calls = async (fetcher: RunningPlatform["fetch"]) => {
      const res = await fetcher("/keeper");
      assert.equal(res.status, 200);
      return ((await res.json()) as { calls: number }).calls;
    };
    const sandboxes = (stage: string) => {
      const listed = JSON.parse(p.cli(["ls", "--json", "--stage", stage]).stdout) as Array<{ name: string; sandboxes: { live: number; idle: number } }>;
      return listed.find((f) => f.name === "keeper")?.sandboxes;
    };
    for (const fetcher of [p.fetch, p.devFetch]) assert.deepEqual([await calls(fetcher), await calls(fetcher)], [1, 2]);
    assert.deepEqual(sandboxes("prod"), { live: 1, idle: 1 });

    const set = p.cli(["quarantine", "keeper", "--reason", "suspected implant"]);
    assert.equal(set.code, 0, set.stderr);
    assert.deepEqual(sandboxes("prod"), { live: 0, idle: 0 }, "its idle sandbox is gone when the command returns");
    assert.deepEqual(sandboxes("dev"), { live: 1, idle: 1 }, "the dev stage's sandbox is another function's");
    assert.equal(await calls(p.devFetch), 3);

    assert.equal(p.cli(["release", "keeper"]).code, 0);
    assert.equal(await calls(p.fetch), 1, "a fresh sandbox: nothing its code held in memory survived");
    assert.deepEqual(sandboxes("prod"), { live: 1, idle: 1 });
  });

  it("refuses to quarantine a function that is not deployed, or with a reason that is not one line", async () => {
    const missing = await api(c, c.local, "POST", "/v1/functions/nothing/quarantine", {});
    assert.deepEqual([missing.status, missing.body.code], [404, "BWK_FUNCTION_NOT_FOUND"]);
    const twoLines = await api(c, c.local, "POST", "/v1/functions/hello/quarantine", { reason: "one\ntwo" });
    assert.deepEqual([twoLines.status, twoLines.body.code], [400, "BWK_INVALID_ARGUMENT"]);
    const notQuarantined = await as(c.local, ["release", "hello"]);
    assert.equal(notQuarantined.code, 1);
    assert.match(notQuarantined.stderr, /^bulwark: hello is not quarantined in the prod stage\n$/);
  });
});

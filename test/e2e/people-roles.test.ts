// The role × action matrix through the real control API: for each role a user signs in (with MFA
// enrolled, so step-up is not what refuses them), calls one route per action (per stage where the
// stage decides), and gets 2xx where the role grants the action and 403 BWK_FORBIDDEN where it does
// not. Every route of the API then refuses every role lacking its action, and the audit trail
// names the real person each time.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ROUTES } from "../../src/control/api.ts";
import { actionIn, actionsOf } from "../../src/control/route-access.ts";
import { isAction, ROLES, type Action, type Role } from "../../src/core/people/roles.ts";
import { manifest, up, writeApp, type RunningPlatform } from "./harness.ts";
import { addUser, api, cliAs, configDir, controlOf, enrol, login, type Answer, type Control } from "./people-helpers.ts";

/** One request per action; `cli` sends it through the real CLI instead (the deploy needs the CLI's scan gate). */
type Call = { method: string; path: string; body?: () => unknown; cli?: () => string[] };
type Grants = Record<Role, boolean>;
const Y = true;
const _ = false;

/**
 * The expected matrix, written out apart from the source (core/people/roles.ts). A route naming no
 * stage is about prod, where developers, whose function grants are for dev, get none of the
 * function actions; the `?stage=dev` rows show what they do get. Rows run in order: the deploy.dev
 * row makes developer-user the deployer of dev's hello, which the rows after it rely on.
 */
const EXPECTED: Array<[Action, Call, Grants]> = [
  ["functions.list", { method: "GET", path: "/v1/functions" }, { developer: _, operator: Y, auditor: _, admin: _ }],
  ["functions.invoke", { method: "POST", path: "/v1/functions/hello/invoke", body: () => ({ event: {} }) }, { developer: _, operator: Y, auditor: _, admin: _ }],
  ["deploy.prod", { method: "POST", path: "/v1/deploy", cli: () => ["deploy", appDir] }, { developer: _, operator: Y, auditor: _, admin: _ }],
  ["rollback.prod", { method: "POST", path: "/v1/functions/hello/rollback", body: () => ({ to: 1 }) }, { developer: _, operator: Y, auditor: _, admin: _ }],
  ["logs.read", { method: "GET", path: "/v1/functions/hello/logs" }, { developer: _, operator: Y, auditor: Y, admin: _ }],
  ["functions.list", { method: "GET", path: "/v1/functions?stage=dev" }, { developer: Y, operator: Y, auditor: _, admin: _ }],
  ["deploy.dev", { method: "POST", path: "/v1/deploy?stage=dev", cli: () => ["deploy", appDir, "--stage", "dev"] }, { developer: Y, operator: Y, auditor: _, admin: _ }],
  ["functions.invoke", { method: "POST", path: "/v1/functions/hello/invoke?stage=dev", body: () => ({ event: {} }) }, { developer: Y, operator: Y, auditor: _, admin: _ }],
  ["rollback.dev", { method: "POST", path: "/v1/functions/hello/rollback?stage=dev", body: () => ({ to: 1 }) }, { developer: Y, operator: Y, auditor: _, admin: _ }],
  // Holders of logs.read pass whoever deployed it; a developer passes as its deployer (deploy.dev row).
  ["logs.read.own", { method: "GET", path: "/v1/functions/hello/logs?stage=dev" }, { developer: Y, operator: Y, auditor: Y, admin: _ }],
  ["metrics.read", { method: "GET", path: "/metrics" }, { developer: _, operator: Y, auditor: Y, admin: _ }],
  ["audit.read", { method: "GET", path: "/v1/audit?limit=1" }, { developer: _, operator: _, auditor: Y, admin: _ }],
  ["events.read", { method: "GET", path: "/v1/events?limit=1" }, { developer: _, operator: _, auditor: Y, admin: _ }],
  ["secrets.list", { method: "GET", path: "/v1/secrets" }, { developer: Y, operator: Y, auditor: _, admin: _ }],
  ["secrets.write", { method: "POST", path: "/v1/secrets/MATRIX_SECRET", body: () => ({ value: "s3cr3t-value" }) }, { developer: _, operator: Y, auditor: _, admin: _ }],
  ["secrets.rotate", { method: "POST", path: "/v1/secrets/MATRIX_SECRET/rotate", body: () => ({ value: "s3cr3t-value-2" }) }, { developer: _, operator: Y, auditor: _, admin: _ }],
  ["secrets.read", { method: "GET", path: "/v1/secrets/MATRIX_SECRET/value" }, { developer: _, operator: Y, auditor: _, admin: _ }],
  ["keys.manage", { method: "GET", path: "/v1/keys" }, { developer: _, operator: _, auditor: _, admin: Y }],
  ["users.manage", { method: "GET", path: "/v1/users" }, { developer: _, operator: _, auditor: _, admin: Y }],
  ["roles.manage", { method: "POST", path: "/v1/users/bystander/roles", body: () => ({ roles: [] }) }, { developer: _, operator: _, auditor: _, admin: Y }],
  ["policy.manage", { method: "GET", path: "/v1/policy/lint" }, { developer: _, operator: _, auditor: _, admin: Y }],
  ["intel.manage", { method: "GET", path: "/v1/intel" }, { developer: _, operator: _, auditor: _, admin: Y }],
  ["siem.manage", { method: "GET", path: "/v1/siem/sinks" }, { developer: _, operator: _, auditor: _, admin: Y }],
  ["masterkey.rotate", { method: "POST", path: "/v1/master-key/rotate" }, { developer: _, operator: _, auditor: _, admin: Y }],
  // The release row lifts the quarantine the row before set.
  ["quarantine.set", { method: "POST", path: "/v1/functions/hello/quarantine", body: () => ({ reason: "matrix" }) }, { developer: _, operator: Y, auditor: _, admin: _ }],
  ["quarantine.release", { method: "POST", path: "/v1/functions/hello/release" }, { developer: _, operator: Y, auditor: _, admin: _ }],
  // The clear row lifts the override the row before set.
  ["limits.configure", { method: "POST", path: "/v1/functions/hello/limits", body: () => ({ concurrency: 1 }) }, { developer: _, operator: Y, auditor: _, admin: _ }],
  ["limits.configure", { method: "POST", path: "/v1/functions/hello/limits/clear" }, { developer: _, operator: Y, auditor: _, admin: _ }],
];

let appDir = "";

describe("people: the role × action matrix through the real control API", () => {
  let p: RunningPlatform;
  let c: Control;
  const sessions = {} as Record<Role, string>;

  before(async () => {
    appDir = writeApp({
      "bulwark.yaml": manifest("matrix", { hello: { handler: "src/hello.js", routes: ["GET /hello"] } }),
      "src/hello.js": "export async function handler() { return { ok: true }; }\n",
    });
    p = await up(appDir);
    c = controlOf(p);
    await addUser(c, "bystander", []);
    for (const role of ROLES) {
      const name = `${role}-user`;
      const password = await addUser(c, name, [role]);
      const token = await login(c, name, password);
      await enrol(c, token, password);
      sessions[role] = token;
    }
  });
  after(() => p.stop());

  for (const [action, call, grants] of EXPECTED) {
    it(`${action}: ${ROLES.map((r) => `${r} ${grants[r] ? "allowed" : "refused"}`).join(", ")}`, async () => {
      for (const role of ROLES) {
        const res = call.cli ? await viaCli(p, sessions[role], call.cli()) : await api(c, sessions[role], call.method, call.path, call.body?.());
        if (grants[role]) assert.ok(res.status >= 200 && res.status < 300, `${role} ${action}: ${res.status} ${JSON.stringify(res.body)}`);
        else assert.deepEqual([res.status, res.body.code], [403, "BWK_FORBIDDEN"], `${role} ${action}: ${JSON.stringify(res.body)}`);
      }
    });
  }

  it("covers every matrix action some route of the API declares", () => {
    const declared = new Set(ROUTES.flatMap(actionsOf).filter(isAction));
    const tested = new Set(EXPECTED.map(([action]) => action));
    assert.deepEqual([...declared].filter((a) => !tested.has(a)), []);
  });

  it("every route refuses every role that lacks its action, before its handler runs", async () => {
    // A request naming no stage is about prod: compare with the prod rows.
    const expected = new Map(EXPECTED.filter(([, call]) => !call.path.includes("stage=dev")).map(([action, , grants]) => [action, grants]));
    let checked = 0;
    for (const route of ROUTES) {
      const action = actionIn(route, "prod");
      if (!isAction(action)) continue;
      const path = examplePath(route.pattern);
      assert.ok(route.pattern.test(path), `no example path for ${route.pattern}`);
      for (const role of ROLES) {
        if (expected.get(action)?.[role]) continue;
        const res = await api(c, sessions[role], route.method, path, route.method === "GET" ? undefined : {});
        assert.deepEqual([res.status, res.body.code], [403, "BWK_FORBIDDEN"], `${role} ${route.method} ${path}`);
        checked++;
      }
    }
    assert.ok(checked > 50, `only ${checked} refusals checked`);
  });

  it("audits each call with the person who made it, allowed or refused", async () => {
    const auditor = sessions.auditor;
    const res = await api(c, auditor, "GET", "/v1/audit?actorType=user&actorId=developer-user&action=deploy.prod");
    const records = res.body as unknown as Array<{ actor: { id: string }; outcome: string; details: { code?: string } }>;
    assert.ok(records.length >= 1);
    assert.ok(records.every((r) => r.actor.id === "developer-user" && r.outcome === "denied" && r.details.code === "BWK_FORBIDDEN"));
    const allowed = (await api(c, auditor, "GET", "/v1/audit?actorId=operator-user&action=deploy.prod")).body as unknown as Array<{ outcome: string }>;
    assert.ok(allowed.some((r) => r.outcome === "success"));
  });
});

/** Runs the CLI with the session token as BULWARK_TOKEN and reads its outcome as an HTTP status. */
async function viaCli(p: RunningPlatform, token: string, args: string[]): Promise<Pick<Answer, "status" | "body">> {
  const r = await cliAs([...args, "--data-dir", p.dataDir], { config: configDir(), env: { BULWARK_TOKEN: token } });
  if (r.code === 0) return { status: 200, body: {} };
  if (/^bulwark: your roles do not allow /m.test(r.stderr)) return { status: 403, body: { code: "BWK_FORBIDDEN" } };
  return { status: 500, body: { stderr: r.stderr } };
}

/** A path the pattern matches: each capture group becomes "probe". */
function examplePath(pattern: RegExp): string {
  return pattern.source
    .replace(/^\^/, "")
    .replace(/\$$/, "")
    .replaceAll("([^\\/]+)", "probe")
    .replaceAll("([^/]+)", "probe")
    .replaceAll("\\/", "/");
}

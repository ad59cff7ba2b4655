// Deploy stages end to end, through the real CLI and real sandboxes: the same app deployed to dev
// and prod with different code is served by each stage's own listener, with versions numbered per
// stage and rollbacks that stay in their stage; dev code granted the same secret and KV namespace
// as prod reads none of prod's data (attack), ctx.invoke stays in the caller's stage, and
// `keys rotate-master` rewraps the dev stage's data with prod's.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DatabaseSync } from "node:sqlite";
import { eventsFor } from "./auth-app.ts";
import { auditFor, brokerManifest, PROBE, probe } from "./broker-app.ts";
import { up, writeApp, type RunningPlatform } from "./harness.ts";
import { api, cliAs, configDir, controlOf } from "./people-helpers.ts";

const MANIFEST = brokerManifest("stagecraft", {
  hello: { handler: "hello.js" },
  reader: { handler: "probe.js", extra: "permissions:\n  secrets: [PSP_API_KEY]\n  kv: { ledger: [read, write] }\n  invoke: [hello]" },
});

/** hello answers with the code's mark and the stage the event names. */
function hello(mark: string): string {
  return `export async function handler(event) { return { mark: "${mark}", stage: event.requestContext?.stage ?? null }; }\n`;
}

describe("stages: dev and prod, each a world of its own", () => {
  let p: RunningPlatform;
  const cli = (args: string[], input?: string) => cliAs([...args, "--data-dir", p.dataDir], { config: configDir(), ...(input === undefined ? {} : { input }) });
  /** Deploys the app with hello marked `mark` to `stage`. */
  const deploy = async (stage: "dev" | "prod", mark: string) => {
    writeFileSync(join(p.appDir, "hello.js"), hello(mark));
    const r = await cli(["deploy", p.appDir, "--stage", stage]);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout;
  };
  const served = async (fetcher: RunningPlatform["fetch"]) => (await (await fetcher("/hello", { method: "POST" })).json()) as { mark: string; stage: string };

  before(async () => {
    p = await up(writeApp({ "bulwark.yaml": MANIFEST, "hello.js": hello("prod-1"), "probe.js": PROBE }));
  });
  after(() => p.stop());

  it("serves each stage on its own listener, with its own code and the stage in the event", async () => {
    assert.match(p.stdout(), /deployed app stagecraft to the prod stage:/);
    assert.notEqual(p.devUrl, p.url);
    assert.equal((await p.devFetch("/hello", { method: "POST" })).status, 404, "nothing is deployed to dev yet");
    const out = await deploy("dev", "dev-1");
    assert.match(out, /deployed app stagecraft to the dev stage:\n\s+hello\s+v1\s+created/);
    assert.deepEqual(await served(p.fetch), { mark: "prod-1", stage: "prod" });
    assert.deepEqual(await served(p.devFetch), { mark: "dev-1", stage: "dev" });
  });

  it("numbers versions per stage, and a rollback in dev leaves prod untouched", async () => {
    assert.match(await deploy("dev", "dev-2"), /hello\s+v2\s+created/);
    assert.match(await deploy("prod", "prod-2"), /hello\s+v2\s+created/);
    assert.match(await deploy("dev", "dev-3"), /hello\s+v3\s+created/);
    const rolled = await cli(["rollback", "hello", "--to", "1", "--stage", "dev"]);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.match(rolled.stdout, /hello now serves v1 in the dev stage/);
    assert.equal((await served(p.devFetch)).mark, "dev-1");
    assert.equal((await served(p.fetch)).mark, "prod-2");
    const ls = await cli(["ls", "--stage", "dev", "--json"]);
    const listed = (JSON.parse(ls.stdout) as Array<{ name: string; stage: string; version: number }>).find((f) => f.name === "hello");
    assert.deepEqual([listed?.stage, listed?.version], ["dev", 1]);
    assert.match((await cli(["ls"])).stdout, /hello\s+prod\s+v2/);
    const versions = await api(controlOf(p), controlOf(p).local, "GET", "/v1/functions/hello/versions?stage=dev");
    assert.deepEqual((versions.body as unknown as Array<{ version: number; active: boolean }>).map((v) => [v.version, v.active]), [[1, true], [2, false], [3, false]]);
  });

  it("attack: dev code granted prod's secret name and KV namespace reads none of prod's values", async () => {
    assert.equal((await cli(["secrets", "set", "PSP_API_KEY"], "prod-psp-key\n")).code, 0);
    const prod = await probe(p.fetch, "reader", [["secrets.get", "PSP_API_KEY"], ["kv", "ledger", "put", "balance", "100"]]);
    assert.equal(prod.results[0]?.value, "prod-psp-key");
    const dev = await probe(p.devFetch, "reader", [["secrets.get", "PSP_API_KEY"], ["kv", "ledger", "get", "balance"], ["kv", "ledger", "list"], ["kv", "ledger", "put", "balance", "999"]]);
    assert.deepEqual(dev.results.map((r) => r.code ?? r.value), ["BWK_NOT_FOUND", null, [], null]);
    const again = await probe(p.fetch, "reader", [["kv", "ledger", "get", "balance"]]);
    assert.equal(again.results[0]?.value, "100", "dev's write did not reach prod");
    // The trail: prod's read is audited as prod's; dev's request read no secret at all.
    const [read] = await auditFor(p.dataDir, prod.requestId, "secret.read");
    assert.equal(read?.details["stage"], "prod");
    assert.deepEqual(await auditFor(p.dataDir, dev.requestId, "secret.read", { wait: false }), []);
  });

  it("attack: a prod KV row copied into dev's database file does not decrypt there, and is flagged", async () => {
    await probe(p.fetch, "reader", [["kv", "ledger", "put", "copied", "prod-only-value"]]);
    await probe(p.devFetch, "reader", [["kv", "ledger", "put", "copied", "dev-value"]]);
    const db = new DatabaseSync(join(p.dataDir, "stages", "dev", "bulwark.db"));
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec(`ATTACH DATABASE '${join(p.dataDir, "bulwark.db")}' AS prod`);
    db.exec("UPDATE main.kv SET (wrapped_key, ciphertext) = (SELECT wrapped_key, ciphertext FROM prod.kv WHERE key = 'copied') WHERE key = 'copied'");
    db.close();
    const r = await probe(p.devFetch, "reader", [["kv", "ledger", "get", "copied"]]);
    assert.equal(r.results[0]?.code, "BWK_DECRYPT_FAILED");
    assert.equal(JSON.stringify(r.results).includes("prod-only-value"), false);
    const [event] = (await eventsFor(p.dataDir, r.res)).filter((e) => e.type === "data.tampered");
    assert.equal(event?.severity, "high");
  });

  it("attack: a dev deploy cannot grant egress to a private address (say, prod's database)", async () => {
    const reaching = brokerManifest("stagecraft", {
      hello: { handler: "hello.js" },
      reader: { handler: "probe.js", extra: "permissions:\n  secrets: [PSP_API_KEY]\n  kv: { ledger: [read, write] }\n  invoke: [hello]\n  egress: [\"10.0.0.5:5432\"]" },
    });
    writeFileSync(join(p.appDir, "bulwark.yaml"), reaching);
    try {
      const dev = await cli(["deploy", p.appDir, "--stage", "dev"]);
      assert.notEqual(dev.code, 0);
      // The deploy gate's findings come first; the refusal is the one line that ends it.
      assert.match(dev.stderr.trim().split("\n").at(-1)!, /functions\.reader\.permissions\.egress: "10\.0\.0\.5:5432" is a private network .* the dev stage may reach only public hosts/);
      // The refused deploy is on the audit trail, with why.
      const audited = await api(controlOf(p), controlOf(p).local, "GET", "/v1/audit?action=deploy.dev");
      const last = (audited.body as unknown as Array<{ outcome: string; details: Record<string, unknown> }>).at(-1);
      assert.deepEqual([last?.outcome, last?.details["code"], last?.details["stage"]], ["failure", "BWK_MANIFEST_INVALID", "dev"]);
    } finally {
      writeFileSync(join(p.appDir, "bulwark.yaml"), MANIFEST);
    }
  });

  it("keeps secrets per stage through the control plane: dev's value reaches only dev's code", async () => {
    const set = await cli(["secrets", "set", "PSP_API_KEY", "--stage", "dev"], "dev-psp-key\n");
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /set secret PSP_API_KEY in the dev stage \(version 1\)/);
    assert.equal((await probe(p.devFetch, "reader", [["secrets.get", "PSP_API_KEY"]])).results[0]?.value, "dev-psp-key");
    assert.equal((await probe(p.fetch, "reader", [["secrets.get", "PSP_API_KEY"]])).results[0]?.value, "prod-psp-key");
    const audited = await api(controlOf(p), controlOf(p).local, "GET", "/v1/audit?action=secrets.write&target=secret:PSP_API_KEY");
    const stages = (audited.body as unknown as Array<{ details: { stage?: string } }>).map((r) => r.details.stage);
    assert.deepEqual(stages, ["prod", "dev"]);
  });

  it("ctx.invoke reaches the callee in the caller's own stage", async () => {
    const fromDev = await probe(p.devFetch, "reader", [["invoke", "hello", {}]]);
    const fromProd = await probe(p.fetch, "reader", [["invoke", "hello", {}]]);
    assert.equal((fromDev.results[0]?.value as { mark: string }).mark, "dev-1");
    assert.equal((fromProd.results[0]?.value as { mark: string }).mark, "prod-2");
  });

  it("refuses an unknown stage: a 400 problem from the API, one line and exit 2 from the CLI", async () => {
    const c = controlOf(p);
    const res = await api(c, c.local, "GET", "/v1/functions?stage=staging");
    assert.deepEqual([res.status, res.body.code], [400, "BWK_INVALID_ARGUMENT"]);
    assert.equal((await api(c, null, "GET", "/v1/functions?stage=staging")).status, 401, "told apart only to a caller with a credential");
    const r = await cli(["ls", "--stage", "staging"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'bulwark: --stage must be dev or prod, got "staging"\n');
    assert.equal((await cli(["keys", "rotate-master", "--stage", "dev"])).code, 2);
  });

  it("rotate-master rewraps the dev stage's data too: dev's secret and KV read after the rotation and a restart", async () => {
    await probe(p.devFetch, "reader", [["kv", "ledger", "put", "note", "dev-note"]]);
    const rotated = await cli(["keys", "rotate-master"]);
    assert.equal(rotated.code, 0, rotated.stderr);
    const [, count] = /: (\d+) data keys rewrapped/.exec(rotated.stdout) ?? [];
    // prod: PSP_API_KEY, ledger/balance and ledger/copied; dev: PSP_API_KEY, ledger/balance,
    // ledger/copied (the row copied from prod) and ledger/note.
    assert.equal(Number(count), 7);
    const reads: unknown[][] = [["secrets.get", "PSP_API_KEY"], ["kv", "ledger", "get", "note"]];
    assert.deepEqual((await probe(p.devFetch, "reader", reads)).results.map((r) => r.value), ["dev-psp-key", "dev-note"]);
    await p.halt();
    p = await up(p.appDir, [], { dataDir: p.dataDir });
    assert.deepEqual((await probe(p.devFetch, "reader", reads)).results.map((r) => r.value), ["dev-psp-key", "dev-note"]);
    assert.equal((await probe(p.fetch, "reader", [["secrets.get", "PSP_API_KEY"]])).results[0]?.value, "prod-psp-key");
  });
});

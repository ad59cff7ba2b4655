// The walking skeleton end to end: up, call, ls, invoke, logs, redeploy, rollback, failed deploys.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { json, manifest, up, writeApp, type RunningPlatform } from "./harness.ts";

const V1 = `export async function handler(event) { console.log("v1 says hi"); return { version: 1, path: event.rawPath }; }\n`;
const V2 = `export async function handler() { return { version: 2 }; }\n`;

describe("deploy, invoke, redeploy, rollback", () => {
  let p: RunningPlatform;
  before(async () => {
    const app = writeApp({
      "bulwark.yaml": manifest("life", {
        hello: { handler: "src/hello.js", routes: ["GET /hello", "GET /users/{id}"] },
        other: { handler: "src/other.ts" },
      }),
      "src/hello.js": V1,
      "src/other.ts": `export const handler = async (e: { body?: string }) => ({ statusCode: 201, headers: { "x-kind": "other" }, body: e.body ?? "" });\n`,
    });
    p = await up(app);
  });
  after(() => p.stop());

  it("serves a deployed function over HTTP with the API Gateway v2 event", async () => {
    const res = await p.fetch("/hello");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type")!, /application\/json/);
    assert.ok(res.headers.get("x-request-id"));
    assert.deepEqual(await res.json(), { version: 1, path: "/hello" });
  });

  it("passes path parameters and structured responses through", async () => {
    const res = await p.fetch("/other", { method: "POST", body: "ping", headers: { "content-type": "text/plain" } });
    assert.equal(res.status, 201);
    assert.equal(res.headers.get("x-kind"), "other");
    assert.equal(await res.text(), "ping");
  });

  it("answers an unknown route with a 404 problem", async () => {
    const res = await p.fetch("/nope");
    assert.equal(res.status, 404);
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    const body = await json(res);
    assert.equal(body.code, "BWK_ROUTE_NOT_FOUND");
    assert.equal(body.requestId, res.headers.get("x-request-id"));
  });

  it("answers a wrong method with 405 and Allow", async () => {
    const res = await p.fetch("/hello", { method: "DELETE" });
    assert.equal(res.status, 405);
    assert.equal(res.headers.get("allow"), "GET");
  });

  it("lists functions and invokes one directly", () => {
    const ls = p.cli(["ls"]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /hello\s+prod\s+v1/);
    const inv = p.cli(["invoke", "hello", "--data", '{"rawPath":"/direct"}']);
    assert.equal(inv.code, 0, inv.stderr);
    assert.deepEqual(JSON.parse(inv.stdout), { version: 1, path: "/direct" });
  });

  it("captures console output per invocation with its request id", async () => {
    const res = await p.fetch("/hello");
    const requestId = res.headers.get("x-request-id")!;
    await res.arrayBuffer();
    const logs = p.cli(["logs", "hello"]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, new RegExp(`v1 ${requestId} v1 says hi`));
  });

  it("redeploys a changed function as a new version and rolls back without a rebuild", async () => {
    writeFileSync(join(p.appDir, "src/hello.js"), V2);
    const dep = p.cli(["deploy", p.appDir]);
    assert.equal(dep.code, 0, dep.stderr);
    assert.match(dep.stdout, /hello\s+v2\s+created/);
    assert.match(dep.stdout, /other\s+v1\s+unchanged/);
    assert.deepEqual(await (await p.fetch("/hello")).json(), { version: 2 });

    const rb = p.cli(["rollback", "hello", "--to", "1"]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.deepEqual(await (await p.fetch("/hello")).json(), { version: 1, path: "/hello" });
    const missing = p.cli(["rollback", "hello", "--to", "9"]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^bulwark: .*no version 9\n$/);
  });

  it("keeps the previous version serving when a deploy fails", async () => {
    writeFileSync(join(p.appDir, "src/hello.js"), "export async function handler( {\n");
    const broken = p.cli(["deploy", p.appDir]);
    assert.equal(broken.code, 1);
    assert.match(broken.stderr, /^bulwark: .*hello\.js:\d+:\d+: /);
    assert.equal((await p.fetch("/hello")).status, 200);

    writeFileSync(join(p.appDir, "bulwark.yaml"), "app: life\nfunctions: {}\n");
    const empty = p.cli(["deploy", p.appDir]);
    assert.equal(empty.code, 1);
    assert.equal((await p.fetch("/hello")).status, 200);
  });

  it("refuses control API calls without the admin token", async () => {
    const control = JSON.parse((await import("node:fs")).readFileSync(join(p.dataDir, "control.json"), "utf8")) as { url: string };
    const res = await fetch(`${control.url}/v1/functions`);
    assert.equal(res.status, 401);
    const forged = await fetch(`${control.url}/v1/functions`, { headers: { authorization: "Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" } });
    assert.equal(forged.status, 401);
    assert.equal((await json(forged)).code, "BWK_UNAUTHORIZED");
    const mode = (await import("node:fs")).statSync(join(p.dataDir, "admin.token")).mode & 0o777;
    assert.equal(mode, 0o600);
  });
});

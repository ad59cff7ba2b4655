// What a failing function gets its caller: a problem with a request id and nothing from inside,
// and the platform keeps serving every other function.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { json, manifest, up, writeApp, type RunningPlatform } from "./harness.ts";

describe("function failures", () => {
  let p: RunningPlatform;
  before(async () => {
    p = await up(
      writeApp({
        "bulwark.yaml": manifest("failures", {
          ok: { handler: "ok.js", routes: ["GET /ok"] },
          throws: { handler: "throws.js" },
          slow: { handler: "slow.js", extra: "timeout: 300ms" },
          crash: { handler: "crash.js" },
          oom: { handler: "oom.js", extra: "memory: 64Mi" },
          bad: { handler: "bad.js" },
          wait: { handler: "wait.js", routes: ["GET /wait"] },
        }),
        "ok.js": "export const handler = async () => ({ ok: true });\n",
        "throws.js": 'export const handler = async () => { throw new Error("secret detail at /srv/internal/path"); };\n',
        "slow.js": "export const handler = async () => { for (;;) {} };\n",
        "crash.js": "export const handler = async () => { process.exit(3); };\n",
        "oom.js": "export const handler = async () => { const hog = []; for (;;) hog.push(new Array(1e6).fill(7)); };\n",
        "bad.js": "export const handler = async () => ({ statusCode: 99 });\n",
        "wait.js": "export const handler = async () => { await new Promise((r) => setTimeout(r, 50)); return { waited: true }; };\n",
      }),
    );
  });
  after(() => p.stop());

  async function expectProblem(path: string, status: number, code: string): Promise<void> {
    const res = await p.fetch(path, { method: "POST" });
    assert.equal(res.status, status);
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    const text = await res.text();
    const body = JSON.parse(text) as Record<string, unknown>;
    assert.equal(body.code, code);
    assert.equal(body.requestId, res.headers.get("x-request-id"));
    assert.doesNotMatch(text, /secret detail|\/srv\/|at .*\.js:\d+|Error:/);
    assert.equal(body.detail, undefined);
    assert.equal((await p.fetch("/ok")).status, 200, "the platform keeps serving");
  }

  it("a handler that throws is a 500 without its message or stack", () => expectProblem("/throws", 500, "BWK_HANDLER_ERROR"));
  it("a handler that runs past its timeout is killed: 504", () => expectProblem("/slow", 504, "BWK_TIMEOUT"));
  it("a sandbox that exits is a 502", () => expectProblem("/crash", 502, "BWK_SANDBOX_CRASHED"));
  it("a sandbox that runs out of memory is a 502", () => expectProblem("/oom", 502, "BWK_OUT_OF_MEMORY"));
  it("an invalid response shape is a 502", () => expectProblem("/bad", 502, "BWK_BAD_RESPONSE"));

  it("the handler's error message reaches the function's logs, not the client", () => {
    const logs = p.cli(["logs", "throws"]);
    assert.match(logs.stdout, /secret detail/);
  });

  it("why an answer was no valid response (502) reaches the function's logs, by request id", async () => {
    const res = await p.fetch("/bad", { method: "POST" });
    assert.equal(res.status, 502);
    const logs = p.cli(["logs", "bad"]);
    assert.match(logs.stdout, new RegExp(`${res.headers.get("x-request-id")}.*BWK_BAD_RESPONSE: statusCode must be an integer`));
  });

  it("a failed function serves again on its next call", () => expectProblem("/slow", 504, "BWK_TIMEOUT"));

  it("serves concurrent invocations of several functions", async () => {
    const calls = Array.from({ length: 24 }, (_, i) => p.fetch(i % 2 === 0 ? "/ok" : "/wait"));
    const responses = await Promise.all(calls);
    for (const res of responses) assert.equal(res.status, 200);
    const bodies = await Promise.all(responses.map((r) => r.json()));
    assert.equal(bodies.filter((b) => (b as { waited?: boolean }).waited).length, 12);
  });
});

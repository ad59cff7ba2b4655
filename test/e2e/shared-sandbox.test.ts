// A function that lets one sandbox run several invocations at once (`sandbox: { invocations: N }`):
// concurrent requests each get their own ctx, their own result, their own log lines and their own
// broker calls, through the real edge, invoker and sandboxes.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { manifest, up, writeApp, type RunningPlatform } from "./harness.ts";

const HANDLER = `
export async function handler(event, ctx) {
  const who = event.rawPath.slice("/who/".length);
  console.log("start " + who);
  // Every request waits on the others, so all of them are in the sandbox at the same time.
  await ctx.kv("seen").put(who, ctx.requestId);
  await new Promise((r) => setTimeout(r, 200));
  console.log("end " + who);
  return { who, requestId: ctx.requestId, stored: await ctx.kv("seen").get(who), pid: process.pid };
}
`;

describe("several invocations in one sandbox", () => {
  let p: RunningPlatform;
  before(async () => {
    const app = writeApp({
      "bulwark.yaml": manifest("shared", {
        who: { handler: "who.js", routes: ["GET /who/{name}"], extra: "concurrency: 1\nsandbox: { invocations: 8 }\npermissions:\n  kv: { seen: [read, write] }" },
      }),
      "who.js": HANDLER,
    });
    p = await up(app);
  });
  after(() => p.stop());

  it("answers each concurrent request with its own ctx and broker results, from one process", async () => {
    const names = ["ada", "bob", "cyd", "dee", "eve", "fay"];
    const answers = await Promise.all(
      names.map(async (name) => {
        const res = await p.fetch(`/who/${name}`);
        assert.equal(res.status, 200);
        return { header: res.headers.get("x-request-id"), body: (await res.json()) as Record<string, unknown> };
      }),
    );
    for (const [i, { header, body }] of answers.entries()) {
      assert.equal(body.who, names[i]);
      assert.equal(body.requestId, header);
      assert.equal(body.stored, header);
    }
    // concurrency: 1 allows one sandbox: all six ran in it side by side.
    assert.equal(new Set(answers.map((a) => a.body.pid)).size, 1);
  });

  it("tags each log line with the request that wrote it", async () => {
    const res = await Promise.all(["gus", "hal"].map((name) => p.fetch(`/who/${name}`)));
    const ids = Object.fromEntries(await Promise.all(res.map(async (r) => [((await r.json()) as { who: string }).who, r.headers.get("x-request-id")])));
    const logs = p.cli(["logs", "who"]);
    assert.equal(logs.code, 0, logs.stderr);
    for (const [name, id] of Object.entries(ids)) {
      for (const word of ["start", "end"]) {
        const line = logs.stdout.split("\n").find((l) => l.endsWith(`${word} ${name}`));
        assert.ok(line, `no "${word} ${name}" line in:\n${logs.stdout}`);
        assert.ok(line.includes(String(id)), `"${line}" is not tagged with ${id}`);
      }
    }
  });
});

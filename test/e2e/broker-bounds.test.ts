// What bounds ctx.invoke chains through the real platform: a function that calls itself is stopped
// at the depth limit (LimitExceeded inside the function, a security event and an audit record for
// the request) and the platform keeps serving; a callee never runs past its caller's deadline.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { DEFAULT_LIMITS } from "../../src/broker/limits.ts";
import { eventsFor } from "./auth-app.ts";
import { auditFor, brokerManifest } from "./broker-app.ts";
import { up, writeApp, type RunningPlatform } from "./harness.ts";

/** Calls itself one level deeper until a call is refused, then reports where and how. */
const RECURSE = `
export async function handler(event, ctx) {
  const depth = typeof event.depth === "number" ? event.depth : 0;
  try {
    return await ctx.invoke("recurse", { depth: depth + 1 });
  } catch (e) {
    return { refusedAt: depth, name: e.name, code: e.code ?? null };
  }
}
`;

const HASTY = `export async function handler(event, ctx) { return ctx.invoke("patient", {}); }\n`;
const PATIENT = `export async function handler(event, ctx) { return { remainingMs: ctx.getRemainingTimeInMillis() }; }\n`;

describe("ctx.invoke chains under the platform's bounds", () => {
  let p: RunningPlatform;
  const post = (fn: string) => p.fetch(`/${fn}`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });

  before(async () => {
    // One sandbox per level of the chain, all busy at once: the default concurrency (8) is less.
    const levels = DEFAULT_LIMITS.invokeDepthMax + 2;
    p = await up(
      writeApp({
        "bulwark.yaml": brokerManifest("chains", {
          recurse: { handler: "recurse.js", extra: `concurrency: ${levels}\nmemory: 64Mi\npermissions:\n  invoke: [recurse]` },
          hasty: { handler: "hasty.js", extra: "timeout: 2s\npermissions:\n  invoke: [patient]" },
          patient: { handler: "patient.js", extra: "timeout: 60s" },
        }),
        "recurse.js": RECURSE,
        "hasty.js": HASTY,
        "patient.js": PATIENT,
      }),
    );
  });
  after(async () => p?.stop());

  it("stops a function that invokes itself at the depth limit with LimitExceeded, recorded as a security event", async () => {
    const res = await post("recurse");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.clone().json(), { refusedAt: DEFAULT_LIMITS.invokeDepthMax, name: "LimitExceeded", code: "BWK_LIMIT_EXCEEDED" });
    const events = (await eventsFor(p.dataDir, res)).filter((e) => e.type === "invoke.depth_exceeded");
    assert.equal(events.length, 1);
    assert.equal(events[0]?.function, "recurse");
    const { callee, depth, limit } = events[0]?.details ?? {};
    assert.deepEqual({ callee, depth, limit }, { callee: "recurse", depth: DEFAULT_LIMITS.invokeDepthMax + 1, limit: DEFAULT_LIMITS.invokeDepthMax });
    const [record] = await auditFor(p.dataDir, res.headers.get("x-request-id")!, "invoke.depth_exceeded");
    assert.equal(record?.outcome, "denied");
  });

  it("keeps serving after the refused chain: the same chain runs again and stops at the same depth", async () => {
    const res = await post("recurse");
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { refusedAt: number }).refusedAt, DEFAULT_LIMITS.invokeDepthMax);
  });

  it("gives a callee no more time than its caller has left, whatever its own timeout", async () => {
    const res = await post("hasty");
    assert.equal(res.status, 200);
    const { remainingMs } = (await res.json()) as { remainingMs: number };
    assert.ok(remainingMs > 0 && remainingMs <= 2_000, `the callee had ${remainingMs} ms; its caller had at most 2000`);
  });
});

// Observability end to end: a real OTLP/HTTP receiver decodes the JSON the platform exports
// (`bulwark up --otlp URL`) and the span tree is checked; function logs are read back through
// `bulwark logs` and must carry the request's trace id and none of its PII or credentials;
// Prometheus metrics are served on the admin listener only, to the admin credential only.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { AuditRecord } from "../../src/security/audit/index.ts";
import { json, manifest, up, writeApp, type RunningPlatform } from "./harness.ts";

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes?: Array<{ key: string; value: Record<string, unknown> }>;
}

const CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";
const SSN = "123-45-6789";
const BEARER = "Bearer e2e-credential-Qm91";
const COOKIE = "session=e2e-cookie-secret-77";

const HANDLER = `
export async function handler(event, ctx) {
  const body = JSON.parse(event.body);
  console.log("signup", body);
  console.log(JSON.stringify(body));
  console.log(event);
  ctx.log.info({ user: body, authorization: "${BEARER}" });
  try { await ctx.kv("profiles").get("ada"); } catch {}
  return { ok: true };
}
`;

/** A collector: POST /v1/traces with OTLP/JSON (ExportTraceServiceRequest). */
class OtlpReceiver {
  readonly spans: OtlpSpan[] = [];
  readonly contentTypes: string[] = [];
  #server: Server | undefined;

  async start(): Promise<string> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        this.contentTypes.push(req.headers["content-type"] ?? "");
        const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as {
          resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }>;
        };
        for (const rs of body.resourceSpans) for (const ss of rs.scopeSpans) this.spans.push(...ss.spans);
        res.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, "127.0.0.1", () => resolve()));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/v1/traces`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}

async function eventually(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

let p: RunningPlatform;
const collector = new OtlpReceiver();
let controlUrl: string;
let adminToken: string;

before(async () => {
  const otlp = await collector.start();
  const app = writeApp({
    "bulwark.yaml": manifest("observed", {
      signup: { handler: "signup.js", extra: "redact: [body.ssn]" },
      caller: { handler: "caller.js", extra: "permissions:\n  invoke: [callee]" },
      callee: { handler: "callee.js" },
    }),
    "signup.js": HANDLER,
    "caller.js": "export async function handler(event, ctx) { return ctx.invoke('callee', { n: 1 }); }\n",
    "callee.js": "export async function handler(event) { console.log('called with', event); return { ok: true }; }\n",
  });
  p = await up(app, ["--otlp", otlp]);
  controlUrl = (JSON.parse(readFileSync(join(p.dataDir, "control.json"), "utf8")) as { url: string }).url;
  adminToken = readFileSync(join(p.dataDir, "admin.token"), "utf8").trim();
  const res = await p.fetch("/signup", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: BEARER, cookie: COOKIE, traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01` },
    body: JSON.stringify({ ssn: SSN, name: "Ada" }),
  });
  assert.equal(res.status, 200, JSON.stringify(await json(res)));
});

after(async () => {
  await p.stop();
  await collector.stop();
});

describe("traces over OTLP/HTTP", () => {
  it("exports JSON spans for the request, each edge stage, the invocation and the broker call, linked parent to child", async () => {
    await eventually(() => collector.spans.some((s) => s.name.startsWith("broker ")), "the broker call span");
    const ours = collector.spans.filter((s) => s.traceId === CALLER_TRACE);
    const byName = (name: string) => ours.find((s) => s.name === name);

    const root = byName("POST /signup");
    const stage = byName("edge.invokeFunction");
    const invocation = byName("invoke signup");
    const call = ours.find((s) => s.name.startsWith("broker "));
    assert.ok(root && stage && invocation && call, ours.map((s) => s.name).join(", "));
    assert.equal(root.parentSpanId, CALLER_SPAN, "the server span continues the caller's W3C trace");
    assert.equal(stage.parentSpanId, root.spanId);
    assert.equal(byName("edge.matchRoute")?.parentSpanId, root.spanId);
    assert.equal(invocation.parentSpanId, stage.spanId);
    assert.equal(call.parentSpanId, invocation.spanId);
    assert.ok(collector.contentTypes.every((t) => t.startsWith("application/json")));
  });
});

describe("trace context across ctx.invoke", () => {
  it("makes the callee's invocation a child of the caller's broker call, in the same trace", async () => {
    const trace = "0af7651916cd43dd8448eb211c80319c";
    const res = await p.fetch("/caller", { method: "POST", headers: { traceparent: `00-${trace}-b7ad6b7169203331-01` } });
    assert.equal(res.status, 200, await res.text());

    await eventually(() => collector.spans.some((s) => s.traceId === trace && s.name === "invoke callee"), "the callee's span");
    const spans = collector.spans.filter((s) => s.traceId === trace);
    const call = spans.find((s) => s.name === "broker invoke");
    const callee = spans.find((s) => s.name === "invoke callee");
    assert.equal(call?.parentSpanId, spans.find((s) => s.name === "invoke caller")?.spanId);
    assert.equal(callee?.parentSpanId, call?.spanId);
    const logs = p.cli(["logs", "callee", "--json"]).stdout.trim().split("\n").map((l) => JSON.parse(l) as { traceId: string });
    assert.ok(logs.length > 0 && logs.every((l) => l.traceId === trace), "the callee's logs carry the caller's trace id");
  });
});

describe("function logs", () => {
  it("carry the request's trace id", () => {
    const lines = p.cli(["logs", "signup", "--json"]).stdout.trim().split("\n").map((l) => JSON.parse(l) as { traceId: string | null; message: string });

    assert.ok(lines.length >= 4);
    assert.ok(lines.every((l) => l.traceId === CALLER_TRACE), JSON.stringify(lines.map((l) => l.traceId)));
  });

  it("never hold the configured PII field, the Authorization header or the cookies", () => {
    const text = p.cli(["logs", "signup", "--json"]).stdout;

    assert.match(text, /Ada/, "the rest of the body is kept");
    assert.ok(!text.includes(SSN), "body.ssn is redacted");
    assert.ok(!text.includes("e2e-credential-Qm91"), "the bearer credential is redacted");
    assert.ok(!text.includes("e2e-cookie-secret-77"), "the cookie is redacted");
    assert.match(text, /\[REDACTED\]/);
  });
});

describe("metrics", () => {
  it("are served in the Prometheus text format on the admin listener, to the admin credential, per stage", async () => {
    assert.equal((await p.devFetch("/signup", { method: "POST" })).status, 404, "nothing is deployed to dev");
    const res = await fetch(`${controlUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } });
    const text = await res.text();

    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    assert.match(text, /^bulwark_invocations_total\{function="signup",stage="prod",outcome="success"\} 1$/m);
    assert.match(text, /^bulwark_cold_starts_total\{function="signup",stage="prod"\} 1$/m);
    assert.match(text, /^bulwark_invocation_duration_seconds_count\{function="signup",stage="prod"\} 1$/m);
    assert.match(text, /^bulwark_broker_calls_total\{function="signup",stage="prod",op="kv.get",outcome="\w+"\} 1$/m);
    assert.match(text, /^bulwark_http_responses_total\{stage="prod",code="ok"\} [1-9]\d*$/m);
    assert.match(text, /^bulwark_http_responses_total\{stage="dev",code="BWK_\w+"\} 1$/m);
    assert.doesNotMatch(text, /^bulwark_http_responses_total\{stage="dev",code="ok"\}/m);
    assert.match(text, /^bulwark_audit_chain_length \d+$/m);
    assert.match(text, /^bulwark_sandboxes\{function="signup",stage="prod",state="idle"\} 1$/m);
  });

  it("attack: are refused without the credential, and the refusal is audited", async () => {
    const res = await fetch(`${controlUrl}/metrics`);
    const problem = await json(res);

    assert.equal(res.status, 401);
    assert.equal(problem["code"], "BWK_UNAUTHORIZED");
    const reads = JSON.parse(p.cli(["audit", "query", "--action", "metrics.read", "--json"]).stdout) as AuditRecord[];
    assert.ok(reads.length >= 1 && reads.every((r) => r.outcome === "denied"), "a successful scrape is not audited; the refused one is");
  });

  it("attack: are not on the public port", async () => {
    const res = await p.fetch("/metrics");

    assert.equal(res.status, 404);
    assert.doesNotMatch(await res.text(), /bulwark_/);
  });
});

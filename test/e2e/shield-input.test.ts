// Input at the real edge: the route's JSON Schema (compiled at deploy), body size limits, media
// types, JSON nesting depth and the body deadline. Each refusal is asserted by status, problem
// code and the recorded event, and none of them reaches the function.
import assert from "node:assert/strict";
import { request } from "node:http";
import { connect } from "node:net";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { json, up, writeApp, type RunningPlatform } from "./harness.ts";
import { eventOf, securityEvents } from "./security-events.ts";

const ORDER_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  required: ["item", "qty"],
  additionalProperties: false,
  properties: {
    item: { type: "string", minLength: 1, maxLength: 100 },
    qty: { type: "integer", minimum: 1 },
    email: { type: "string", format: "email" },
  },
};

const APP = `app: input
limits: { perIp: off }
functions:
  order:
    handler: order.js
    triggers:
      - http: { method: POST, path: /orders, auth: none, input: schemas/order.json, maxBody: 1Ki }
      - http: { method: POST, path: /notes, auth: none, contentTypes: [text/plain, application/json] }
      - http: { method: POST, path: /raw, auth: none }
`;

const HANDLER = "export const handler = async (event) => { console.log(`ran ${event.requestContext.requestId}`); return { got: event.body ?? null }; };\n";

describe("input limits and schemas at the edge", () => {
  let p: RunningPlatform;
  const refused: string[] = [];

  before(async () => {
    p = await up(writeApp({ "bulwark.yaml": APP, "order.js": HANDLER, "schemas/order.json": JSON.stringify(ORDER_SCHEMA) }), ["--body-timeout", "1s"]);
  });
  after(() => p.stop());

  async function expectRefusal(res: Response, status: number, code: string, eventType: string, route = "POST /orders"): Promise<Record<string, unknown>> {
    assert.equal(res.status, status);
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    assert.equal(res.headers.get("cache-control"), "no-store");
    const body = await json(res);
    assert.equal(body.code, code);
    const event = await eventOf(p, res, eventType);
    assert.ok(event, `a ${eventType} event for the request`);
    assert.equal(event.route, route);
    assert.equal(event.clientIp, "127.0.0.1");
    refused.push(res.headers.get("x-request-id")!);
    return body;
  }

  const post = (path: string, body: string, type = "application/json") => p.fetch(path, { method: "POST", headers: { "content-type": type }, body });

  it("serves a body that matches the schema", async () => {
    const res = await post("/orders", JSON.stringify({ item: "O'Brien tea", qty: 2, email: "jane@example.com" }));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("strict-transport-security"), null, "no HSTS over plain HTTP");
  });

  it("refuses a wrong type with 400 naming instancePath and keyword, and records input.invalid", async () => {
    const res = await post("/orders", JSON.stringify({ item: "tea", qty: "two" }));
    const body = await expectRefusal(res, 400, "BWK_INPUT_INVALID", "input.invalid");
    assert.equal(body.instancePath, "/qty");
    assert.equal(body.keyword, "type");
    assert.equal(body.schemaPath, "#/properties/qty/type");
    assert.doesNotMatch(JSON.stringify(body), /two/, "the value sent is not echoed");
  });

  it("refuses a missing property, an extra property and a bad format", async () => {
    assert.equal((await expectRefusal(await post("/orders", JSON.stringify({ item: "tea" })), 400, "BWK_INPUT_INVALID", "input.invalid")).keyword, "required");
    assert.equal(
      (await expectRefusal(await post("/orders", JSON.stringify({ item: "tea", qty: 1, admin: true })), 400, "BWK_INPUT_INVALID", "input.invalid")).keyword,
      "additionalProperties",
    );
    const format = await expectRefusal(await post("/orders", JSON.stringify({ item: "tea", qty: 1, email: "not-an-address" })), 400, "BWK_INPUT_INVALID", "input.invalid");
    assert.deepEqual([format.instancePath, format.keyword], ["/email", "format"]);
  });

  it("refuses a body that is not JSON at all", async () => {
    assert.equal((await expectRefusal(await post("/orders", "{ item: tea"), 400, "BWK_INPUT_INVALID", "input.invalid")).keyword, "json");
  });

  it("refuses a deeply nested body before parsing it (CWE-674)", async () => {
    const deep = `${"[".repeat(500)}${"]".repeat(500)}`;
    const res = await post("/raw", deep);
    const body = await expectRefusal(res, 400, "BWK_INPUT_INVALID", "input.invalid", "POST /raw");
    assert.equal(body.keyword, "maxDepth");
  });

  it("refuses a declared Content-Length over the route's maxBody with 413 before reading it", async () => {
    const big = JSON.stringify({ item: "x".repeat(2000), qty: 1 });
    const body = await expectRefusal(await post("/orders", big), 413, "BWK_PAYLOAD_TOO_LARGE", "body.too_large");
    assert.equal(body.limitBytes, 1024);
  });

  it("cuts off a chunked body the moment it passes maxBody: 413", async () => {
    const { status, headers, text } = await new Promise<{ status: number; headers: Record<string, unknown>; text: string }>((resolve, reject) => {
      const req = request(`${p.url}/orders`, { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
        let text = "";
        res.on("data", (d: Buffer) => (text += d.toString()));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text }));
      });
      req.on("error", reject);
      // 1 KiB chunks, far past the limit; the edge answers before the client finishes.
      const chunk = "x".repeat(1024);
      let sent = 0;
      const pump = () => {
        while (sent < 64 && req.write(chunk)) sent++;
        if (sent < 64) req.once("drain", pump);
        else req.end();
      };
      pump();
    });
    assert.equal(status, 413);
    assert.equal(headers["connection"], "close");
    assert.equal(JSON.parse(text).code, "BWK_PAYLOAD_TOO_LARGE");
  });

  it("refuses another media type on a route with input: 415 and unsupported_media_type", async () => {
    const body = await expectRefusal(await post("/orders", "item=tea&qty=1", "application/x-www-form-urlencoded"), 415, "BWK_UNSUPPORTED_MEDIA_TYPE", "unsupported_media_type");
    assert.deepEqual(body.accepts, ["application/json"]);
    await expectRefusal(await post("/orders", JSON.stringify({ item: "tea", qty: 1 }), "application/json; charset=iso-8859-1"), 415, "BWK_UNSUPPORTED_MEDIA_TYPE", "unsupported_media_type");
    await expectRefusal(await p.fetch("/orders", { method: "POST" }), 415, "BWK_UNSUPPORTED_MEDIA_TYPE", "unsupported_media_type");
  });

  it("takes only the media types a route declares", async () => {
    assert.equal((await post("/notes", "hello", "text/plain; charset=utf-8")).status, 200);
    await expectRefusal(await post("/notes", "<a/>", "application/xml"), 415, "BWK_UNSUPPORTED_MEDIA_TYPE", "unsupported_media_type", "POST /notes");
  });

  it("answers a client that sends its headers and then dribbles the body with 408 (slowloris)", async () => {
    const socket = connect(Number(new URL(p.url).port), "127.0.0.1");
    const host = new URL(p.url).host;
    socket.write(`POST /orders HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"item":`);
    const dribble = setInterval(() => socket.write(" "), 200);
    const response = await new Promise<string>((resolve, reject) => {
      let text = "";
      socket.on("data", (d: Buffer) => (text += d.toString()));
      socket.on("close", () => resolve(text));
      socket.on("error", reject);
    });
    clearInterval(dribble);
    assert.match(response, /^HTTP\/1\.1 408 /);
    assert.match(response, /content-type: application\/problem\+json/i);
    assert.match(response, /connection: close/i);
    const body = JSON.parse(response.slice(response.indexOf("\r\n\r\n") + 4)) as Record<string, unknown>;
    assert.equal(body.code, "BWK_REQUEST_TIMEOUT");
    const requestId = /x-request-id: (\S+)/i.exec(response)![1]!;
    const events = await securityEvents(p, "request.timeout");
    assert.ok(events.some((e) => e.requestId === requestId && e.route === "POST /orders"));
    refused.push(requestId);
  });

  it("never ran the function for a refused request", () => {
    const logs = p.cli(["logs", "order"]).stdout;
    assert.ok(refused.length >= 10);
    for (const id of refused) assert.ok(!logs.includes(id), `request ${id} reached the function`);
  });

  it("fails a deploy whose schema does not compile, naming the file, and keeps serving", () => {
    writeFileSync(join(p.appDir, "schemas", "order.json"), JSON.stringify({ type: "object", properties: { qty: { type: "integr" } } }));
    const r = p.cli(["deploy", p.appDir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /schemas\/order\.json: does not compile/);
    writeFileSync(join(p.appDir, "schemas", "order.json"), JSON.stringify({ type: "object", properties: { email: { type: "string", format: "credit-card" } } }));
    assert.match(p.cli(["deploy", p.appDir]).stderr, /schemas\/order\.json: does not compile: unknown format "credit-card"/);
    writeFileSync(join(p.appDir, "schemas", "order.json"), JSON.stringify({ $ref: "https://schemas.example.com/order.json" }));
    assert.match(p.cli(["deploy", p.appDir]).stderr, /schemas\/order\.json: does not compile/);
  });

  it("still validates with the schema of the version that serves", async () => {
    // p.cli blocked this process for seconds: let it see the keep-alive sockets the edge closed meanwhile.
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await post("/orders", JSON.stringify({ item: "tea", qty: 1 }))).status, 200);
    assert.equal((await post("/orders", JSON.stringify({ item: "tea", qty: 0 }))).status, 400);
  });

  it("fails a deploy whose input file is missing or not JSON, pointing at the manifest line", () => {
    writeFileSync(join(p.appDir, "schemas", "order.json"), "{ not json");
    const r = p.cli(["deploy", p.appDir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /bulwark\.yaml:7:\d+: functions\.order\.triggers\[0\]\.http\.input: schemas\/order\.json is not valid JSON/);
  });
});

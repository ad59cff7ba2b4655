// The WAF at the real edge: a payload of each class in each place a client controls is refused
// with a 403 naming the rule, recorded as a waf.match event, and never reaches the function;
// detect mode records and serves; off serves; and ordinary business traffic is never blocked.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { BENIGN_FORM_BODIES, BENIGN_HEADERS, BENIGN_JSON_BODIES, BENIGN_QUERIES, BENIGN_TEXTS } from "../core/waf/benign-corpus.ts";
import { json, up, writeApp, type RunningPlatform } from "./harness.ts";
import { securityEvents } from "./security-events.ts";

const APP = `app: waf
limits: { perIp: off }
functions:
  echo:
    handler: echo.js
    triggers:
      - http: { method: POST, path: "/items/{id}", auth: none }
      - http: { method: POST, path: "/detect/{id}", auth: none, waf: detect }
      - http: { method: POST, path: "/off/{id}", auth: none, waf: off }
  upload:
    handler: upload.js
    triggers:
      - http: { method: POST, path: /upload, auth: none }
`;

/** A PNG's signature and header: bytes that are no UTF-8, which once made the whole body uninspected. */
const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000ff", "hex");

/** A multipart/form-data request as fetch's FormData writes it: the bytes, and its Content-Type with the boundary. */
async function upload(fields: Record<string, string>, file: { name: string; filename: string; type: string }): Promise<{ bytes: Buffer; init: RequestInit }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) form.append(name, value);
  form.append(file.name, new Blob([PNG], { type: file.type }), file.filename);
  const encoded = new Response(form);
  const bytes = Buffer.from(await encoded.arrayBuffer());
  return { bytes, init: { method: "POST", headers: { "content-type": encoded.headers.get("content-type")! }, body: bytes } };
}

const PAYLOADS = {
  sqli: "' OR 1=1--",
  xss: "<script>alert(1)</script>",
  traversal: "../../../etc/passwd",
  cmdi: "; cat /etc/passwd",
  ssrf: "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
} as const;

type Place = "path" | "query" | "header" | "json" | "form";

/** The request that carries `payload` in `place`, on the route prefix given. */
function attack(prefix: string, place: Place, payload: string): [string, RequestInit] {
  const path = `/${prefix}/${place === "path" ? encodeURIComponent(payload) : "x"}${place === "query" ? `?q=${encodeURIComponent(payload)}` : ""}`;
  const init: RequestInit = { method: "POST", headers: {} };
  if (place === "header") init.headers = { "x-note": payload };
  if (place === "json") (init.headers = { "content-type": "application/json" }), (init.body = JSON.stringify({ note: payload }));
  if (place === "form") (init.headers = { "content-type": "application/x-www-form-urlencoded" }), (init.body = `note=${encodeURIComponent(payload)}`);
  return [path, init];
}

const LOCATION: Record<Place, RegExp> = { path: /^path$/, query: /^query$/, header: /^header:x-note$/, json: /^body:\$\.note$/, form: /^body:\$\.note$/ };

describe("WAF at the edge", () => {
  let p: RunningPlatform;
  before(async () => {
    p = await up(
      writeApp({
        "bulwark.yaml": APP,
        "echo.js": "export const handler = async (event) => { console.log(`ran ${event.requestContext.requestId}`); return { ok: true }; };\n",
        "upload.js": "export const handler = async (event) => ({ body: event.body, isBase64Encoded: event.isBase64Encoded });\n",
      }),
    );
  });
  after(() => p.stop());

  const events = (type: string) => securityEvents(p, type);

  const refused: string[] = [];

  for (const [cls, payload] of Object.entries(PAYLOADS)) {
    for (const place of ["path", "query", "header", "json", "form"] as const) {
      it(`blocks ${cls} in the ${place} with a 403 naming the rule and records waf.match`, async () => {
        const res = await p.fetch(...attack("items", place, payload));
        assert.equal(res.status, 403);
        assert.equal(res.headers.get("content-type"), "application/problem+json");
        const body = await json(res);
        assert.equal(body.code, "BWK_WAF_BLOCKED");
        assert.match(String(body.ruleId), new RegExp(`^${cls}-\\d+$`));
        const requestId = res.headers.get("x-request-id")!;
        refused.push(requestId);
        const event = (await events("waf.match")).find((e) => e.requestId === requestId);
        assert.ok(event, "a waf.match event with the request id");
        assert.equal(event.ruleId, body.ruleId);
        // The router refuses a dot segment, encoded slashes and all, before any route matches.
        assert.equal(event.route, cls === "traversal" && place === "path" ? undefined : "POST /items/{id}");
        assert.equal(event.clientIp, "127.0.0.1");
        assert.equal(event.details?.mode, "block");
        assert.match(String(event.details?.location), LOCATION[place]);
        assert.ok(String(event.details?.excerpt).length <= 64, "the excerpt is at most 64 characters");
      });
    }
  }

  it("reads requests for paths that do not exist too: a payload is a 403 and a waf.match, a plain miss a 404", async () => {
    for (const place of ["path", "query", "header"] as const) {
      const res = await p.fetch(...attack("no-such-route", place, PAYLOADS.sqli));
      assert.equal(res.status, 403, place);
      assert.equal((await json(res)).code, "BWK_WAF_BLOCKED");
      const event = (await events("waf.match")).find((e) => e.requestId === res.headers.get("x-request-id"));
      assert.equal(event?.route, undefined, "no route was matched");
      assert.equal(event?.details?.mode, "block");
    }
    assert.equal((await p.fetch("/no-such-route/x?q=shoes", { method: "POST" })).status, 404);
  });

  it("attack: blocks SQL injection in a multipart text field sent next to a binary PNG part", async () => {
    const { init } = await upload({ comment: PAYLOADS.sqli }, { name: "avatar", filename: "me.png", type: "image/png" });
    const res = await p.fetch("/upload", init);
    assert.equal(res.status, 403);
    assert.equal((await json(res)).code, "BWK_WAF_BLOCKED");
    const event = (await events("waf.match")).find((e) => e.requestId === res.headers.get("x-request-id"));
    assert.equal(event?.details?.class, "sqli");
    assert.equal(event?.details?.location, "body:$.comment");
  });

  it("attack: blocks a multipart file named ../../etc/passwd (path traversal in a filename)", async () => {
    const { init } = await upload({ comment: "my avatar" }, { name: "avatar", filename: "../../etc/passwd", type: "image/png" });
    const res = await p.fetch("/upload", init);
    assert.equal(res.status, 403);
    const event = (await events("waf.match")).find((e) => e.requestId === res.headers.get("x-request-id"));
    assert.equal(event?.details?.class, "traversal");
    assert.equal(event?.details?.location, "body:$.avatar.filename");
  });

  it("refuses a multipart body that never closes with a 400 problem and an input.invalid event", async () => {
    const { bytes, init } = await upload({ comment: "hi" }, { name: "avatar", filename: "me.png", type: "image/png" });
    const res = await p.fetch("/upload", { ...init, body: bytes.subarray(0, bytes.length - 10) });
    assert.equal(res.status, 400);
    assert.equal(res.headers.get("content-type"), "application/problem+json");
    assert.match(String((await json(res)).detail), /malformed multipart\/form-data/);
    const event = (await events("input.invalid")).find((e) => e.requestId === res.headers.get("x-request-id"));
    assert.equal(event?.details?.keyword, "multipart");
  });

  it("serves an ordinary upload, the function getting the body as sent, base64", async () => {
    const { bytes, init } = await upload({ comment: "a photo of my cat, taken 2024-05-01 (don't laugh)" }, { name: "avatar", filename: "cat photo.png", type: "image/png" });
    const res = await p.fetch("/upload", init);
    assert.equal(res.status, 200);
    const got = await json(res);
    assert.equal(got.isBase64Encoded, true);
    assert.ok(Buffer.from(String(got.body), "base64").equals(bytes));
  });

  it("never ran the function for a blocked request", async () => {
    const logs = p.cli(["logs", "echo"]).stdout;
    assert.ok(refused.length > 0);
    for (const id of refused) assert.ok(!logs.includes(id), `request ${id} reached the function`);
  });

  it("bulwark events --type waf.* lists the matches, escaped, with rule and request id", () => {
    const r = p.cli(["events", "--type", "waf.*"]);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(refused.every((id) => r.stdout.includes(`request=${id}`)));
    assert.match(r.stdout, /waf\.match {2}high {2}POST \/items\/\{id\} {2}127\.0\.0\.1 {2}- {2}rule=sqli-\d+/);
    assert.doesNotMatch(r.stdout, /[\u0000-\u0008\u000b-\u001f]/);
  });

  it("in detect mode records the match and serves the request", async () => {
    const res = await p.fetch(...attack("detect", "json", PAYLOADS.sqli));
    assert.equal(res.status, 200);
    const requestId = res.headers.get("x-request-id")!;
    const event = (await events("waf.*")).find((e) => e.requestId === requestId);
    assert.equal(event?.details?.mode, "detect");
    assert.match(String(event?.ruleId), /^sqli-/);
  });

  it("with waf: off serves the request and records nothing", async () => {
    const res = await p.fetch(...attack("off", "query", PAYLOADS.xss));
    assert.equal(res.status, 200);
    const requestId = res.headers.get("x-request-id")!;
    assert.equal((await events("waf.match")).filter((e) => e.requestId === requestId).length, 0);
  });

  it("ignores X-Forwarded-For without --trust-proxy: the event names the socket's address", async () => {
    const res = await p.fetch(`/items/x?q=${encodeURIComponent(PAYLOADS.sqli)}`, { method: "POST", headers: { "x-forwarded-for": "203.0.113.9" } });
    assert.equal(res.status, 403);
    const event = (await events("waf.match")).find((e) => e.requestId === res.headers.get("x-request-id"));
    assert.equal(event?.clientIp, "127.0.0.1");
  });

  it("lets the benign corpus through every location: zero blocks", async () => {
    const blocked: string[] = [];
    const send = async (what: string, path: string, init: RequestInit) => {
      const res = await p.fetch(path, { method: "POST", ...init });
      if (res.status !== 200) blocked.push(`${what} -> ${res.status} ${await res.text()}`);
      else await res.arrayBuffer();
    };
    for (const text of BENIGN_TEXTS) {
      await send(`path ${text}`, `/items/${encodeURIComponent(text)}`, {});
      await send(`query ${text}`, `/items/x?q=${encodeURIComponent(text)}`, {});
      // A header value is ISO-8859-1 on the wire: non-Latin text travels percent-encoded there.
      await send(`header ${text}`, "/items/x", { headers: { "x-note": /^[\x20-\x7e]*$/.test(text) ? text : encodeURIComponent(text) } });
      await send(`json ${text}`, "/items/x", { headers: { "content-type": "application/json" }, body: JSON.stringify({ note: text }) });
      await send(`form ${text}`, "/items/x", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: `note=${encodeURIComponent(text)}` });
      await send(`multipart ${text}`, "/upload", (await upload({ note: text }, { name: "file", filename: "IMG_2041 (1).png", type: "image/png" })).init);
    }
    for (const query of BENIGN_QUERIES) await send(`query ${query}`, `/items/x?${query}`, {});
    for (const headers of BENIGN_HEADERS) {
      // fetch sets these itself; every other header goes as the client wrote it.
      const own = ["host", "connection", "content-length", "transfer-encoding", "keep-alive"];
      const sendable = Object.entries(headers)
        .filter(([name]) => !own.includes(name))
        .map(([name, v]): [string, string] => [name, Array.isArray(v) ? v.join(", ") : v]);
      await send(`headers ${JSON.stringify(headers).slice(0, 60)}`, "/items/x", { headers: sendable });
    }
    for (const body of BENIGN_JSON_BODIES) {
      await send(`json ${JSON.stringify(body).slice(0, 60)}`, "/items/x", { headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    }
    for (const form of BENIGN_FORM_BODIES) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(form)) for (const one of Array.isArray(v) ? v : [v]) params.append(k, one);
      await send(`form ${params.toString().slice(0, 60)}`, "/items/x", { headers: { "content-type": "application/x-www-form-urlencoded" }, body: params.toString() });
    }
    assert.deepEqual(blocked, []);
  });
});

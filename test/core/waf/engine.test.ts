// The WAF engine: options, where it looks, how it reports, and what it costs an attacker.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compileWaf, listWafRules, type WafRequest } from "../../../src/core/waf/index.ts";

const waf = compileWaf();
const EMPTY: WafRequest = { path: "/", query: "", headers: {} };
const inspect = (request: Partial<WafRequest>) => waf.inspect({ ...EMPTY, ...request });

describe("compileWaf options", () => {
  it("switches off the rules named in disabledRules and no others", () => {
    const lenient = compileWaf({ disabledRules: ["sqli-001"] });
    assert.equal(lenient.inspect({ ...EMPTY, query: "id=1%20or%201=1" }), null);
    assert.equal(lenient.inspect({ ...EMPTY, query: "q=<script>" })?.ruleId, "xss-001");
    assert.equal(waf.inspect({ ...EMPTY, query: "id=1%20or%201=1" })?.ruleId, "sqli-001");
  });

  it("refuses an unknown rule id", () => {
    assert.throws(() => compileWaf({ disabledRules: ["sqli-999"] }), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("refuses budgets that are not positive integers", () => {
    assert.throws(() => compileWaf({ maxInspectedChars: 0 }), { code: "BWK_INVALID_ARGUMENT" });
    assert.throws(() => compileWaf({ maxBodyNodes: 1.5 }), { code: "BWK_INVALID_ARGUMENT" });
  });

  it("can run with every rule off", () => {
    const none = compileWaf({ disabledRules: listWafRules().map((r) => r.id) });
    assert.equal(none.inspect({ ...EMPTY, body: "<script>' or 1=1--" }), null);
  });
});

describe("WAF locations", () => {
  it("reports the path", () => {
    assert.deepEqual(inspect({ path: "/static/..%2f..%2fetc/passwd" }), {
      ruleId: "traversal-001",
      class: "traversal",
      location: "path",
      excerpt: "/static/../../etc/passwd",
    });
  });

  it("does not read + as a space in the path", () => {
    assert.equal(inspect({ path: "/search/union+select+1,2" }), null);
    assert.equal(inspect({ query: "q=union+select+1,2" })?.ruleId, "sqli-005");
  });

  it("inspects query parameter names as well as values", () => {
    assert.equal(inspect({ query: "ok=1&%3Cscript%3E=1" })?.location, "query");
  });

  it("reports a header by its lower-case name and reads every value of a repeated header", () => {
    const match = inspect({ headers: { "X-Search": ["fine", "<svg/onload=alert(1)>"] } });
    assert.equal(match?.location, "header:x-search");
    assert.equal(match?.class, "xss");
  });

  it("inspects the user-agent", () => {
    assert.equal(inspect({ headers: { "user-agent": "Mozilla/5.0 ' or 1=1--" } })?.location, "header:user-agent");
  });

  it("skips credential headers: they are verified by hash and must never reach an excerpt", () => {
    assert.equal(inspect({ headers: { authorization: "Bearer ' or 1=1--", "x-api-key": "<script>" } }), null);
  });

  it("does not read referer and origin as SSRF, but still as XSS or SQLi", () => {
    assert.equal(inspect({ headers: { referer: "http://localhost:3000/cart", origin: "http://127.0.0.1:5173" } }), null);
    assert.equal(inspect({ headers: { referer: "http://localhost/?q=<script>alert(1)</script>" } })?.class, "xss");
  });

  it("remembers clean header values per rule set, never a match", () => {
    const fresh = compileWaf();
    const request = (headers: WafRequest["headers"]) => fresh.inspect({ ...EMPTY, headers });
    assert.equal(request({ referer: "http://localhost/" }), null);
    assert.equal(request({ referer: "http://localhost/" }), null);
    assert.equal(request({ "x-callback": "http://localhost/" })?.class, "ssrf");
    assert.equal(request({ "x-callback": "http://localhost/" })?.class, "ssrf");
    for (let i = 0; i < 3000; i++) assert.equal(request({ "user-agent": `agent/${i}.0 (x; y)` }), null);
    assert.equal(request({ "user-agent": "agent/1.0 (x; y) ' or 1=1--" })?.class, "sqli");
  });

  it("inspects each cookie value", () => {
    const match = inspect({ headers: { cookie: "theme=dark; cart=%27%20or%201%3D1--; _ga=GA1.2.3" } });
    assert.equal(match?.location, "header:cookie");
    assert.equal(match?.class, "sqli");
  });

  it("ignores undefined header values", () => {
    assert.equal(inspect({ headers: { "x-a": undefined } }), null);
  });

  it("reports a body value by its JSON path", () => {
    const body = { order: { items: [{ sku: "A" }, { sku: "B", note: "<iframe src=x>" }] } };
    assert.equal(inspect({ body })?.location, "body:$.order.items[1].note");
  });

  it("inspects object keys and reports the member's path", () => {
    assert.equal(inspect({ body: { filters: { "' or 1=1--": true } } })?.location, 'body:$.filters["\' or 1=1--"]');
  });

  it("reads a body key that is a MongoDB operator as NoSQL injection, $where as code", () => {
    const login = { username: "admin", password: { $ne: null } };
    assert.deepEqual([inspect({ body: login })?.ruleId, inspect({ body: login })?.location], ["nosqli-002", "body:$.password.$ne"]);
    assert.equal(inspect({ body: { $where: "sleep(5000) || true" } })?.ruleId, "nosqli-001");
    assert.equal(inspect({ body: { $or: [{ a: 1 }, { b: 2 }] } })?.ruleId, "nosqli-002");
    // Operators as the qs and body-parser extended syntax spells them, in a query and in a form.
    assert.equal(inspect({ query: "user%5B%24ne%5D=x&password%5B%24regex%5D=.*" })?.ruleId, "nosqli-002");
    assert.equal(inspect({ body: { "password[$regex]": ".*" } })?.ruleId, "nosqli-002");
    // Other "$" names do nothing to a query: JSON Schema, MongoDB Extended JSON, OData.
    assert.equal(inspect({ body: { $schema: "x", $ref: "#/a", _id: { $oid: "65f0" } }, query: "%24filter=a+gt+1" }), null);
  });

  it("reads a line break before a header as response splitting in the path, query and headers, not in a body", () => {
    assert.equal(inspect({ path: "/go%0d%0aSet-Cookie:admin=1" })?.ruleId, "crlf-001");
    assert.equal(inspect({ query: "lang=en%0aLocation:%20//evil.example" })?.ruleId, "crlf-001");
    assert.deepEqual(inspect({ headers: { "x-return-to": "/%0d%0aSet-Cookie:admin=1" } })?.location, "header:x-return-to");
    assert.equal(inspect({ body: { note: "Order: 1\r\nReason: damaged" } }), null);
    assert.equal(inspect({ body: "Order: 1\r\nReason: damaged" }), null);
  });

  it("reports a string body as $", () => {
    assert.equal(inspect({ body: "name=x&q=<script>" })?.location, "body:$");
  });

  it("ignores numbers, booleans, null and binary bodies", () => {
    assert.equal(inspect({ body: [1, true, null, 2.5] }), null);
    assert.equal(inspect({ body: new Uint8Array([60, 115, 99, 114, 105, 112, 116, 62]) }), null);
  });

  it("walks arrays nested 100,000 deep without recursion", () => {
    let body: unknown = "<script>";
    for (let i = 0; i < 100_000; i++) body = [body];
    const match = compileWaf({ maxBodyNodes: 1_000_000 }).inspect({ ...EMPTY, body });
    assert.equal(match?.class, "xss");
    assert.ok(match.location.startsWith("body:…"));
    assert.ok(match.location.length <= "body:…".length + 128);
  });
});

describe("WAF excerpts", () => {
  it("are at most 64 characters, taken around the match", () => {
    const match = inspect({ body: `${"a".repeat(500)} <script>alert(1)</script> ${"b".repeat(500)}` });
    assert.ok(match);
    assert.ok(match.excerpt.length <= 64);
    assert.ok(match.excerpt.includes("<script>"));
  });

  it("show control characters as visible symbols and replace bidi overrides", () => {
    const match = inspect({ body: "x\u202e; cat /etc/passwd\r\nInjected: log line" });
    assert.ok(match);
    assert.doesNotMatch(match.excerpt, /[\r\n\u202e]/);
    const nul = inspect({ body: "file.php%00.png" });
    assert.equal(nul?.excerpt, "file.php\u2400.png");
  });

  it("are withheld for members named like secrets, which are still inspected", () => {
    const match = inspect({ body: { username: "admin", password: "' or '1'='1" } });
    assert.equal(match?.class, "sqli");
    assert.equal(match?.excerpt, "[redacted]");
  });

  it("never split a surrogate pair", () => {
    const match = inspect({ body: `${"😀".repeat(10)}<script>` });
    assert.ok(match);
    assert.doesNotMatch(match.excerpt, /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/);
  });
});

describe("WAF work bounds", () => {
  it("refuses a request larger than its character budget with BWK_PAYLOAD_TOO_LARGE", () => {
    const small = compileWaf({ maxInspectedChars: 1000 });
    assert.throws(() => small.inspect({ ...EMPTY, body: { a: "x y".repeat(600) } }), { code: "BWK_PAYLOAD_TOO_LARGE" });
  });

  it("counts the growth of NFKC expansion against the budget", () => {
    const small = compileWaf({ maxInspectedChars: 1000 });
    assert.throws(() => small.inspect({ ...EMPTY, body: "\ufdfa".repeat(100) }), { code: "BWK_PAYLOAD_TOO_LARGE" });
  });

  it("refuses a body with more nodes than its node budget", () => {
    const small = compileWaf({ maxBodyNodes: 100 });
    assert.throws(() => small.inspect({ ...EMPTY, body: Array.from({ length: 200 }, () => 1) }), { code: "BWK_PAYLOAD_TOO_LARGE" });
    assert.throws(() => small.inspect({ ...EMPTY, body: Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${i}`, i])) }), {
      code: "BWK_PAYLOAD_TOO_LARGE",
    });
  });

  it("gives each request a fresh budget", () => {
    const small = compileWaf({ maxInspectedChars: 1000 });
    for (let i = 0; i < 5; i++) assert.equal(small.inspect({ ...EMPTY, body: "hello world ".repeat(30) }), null);
  });

  // Regular-expression denial of service (CWE-1333): each input below makes a backtracking
  // pattern quadratic or worse. The suite would hang here if one did; the timeout only names it.
  it("stays linear on inputs built to make patterns backtrack", { timeout: 60_000 }, () => {
    const n = 100_000;
    const inputs = [
      " ".repeat(n), "<a ".repeat(n / 3), "' or ".repeat(n / 5), "/*".repeat(n / 2), `\n${"--".repeat(n / 2)}`,
      "http:".repeat(n / 5), "http://a\\".repeat(n / 9), "a:".repeat(n / 2), "&lt".repeat(n / 3), "\\u".repeat(n / 2),
      "; ".repeat(n / 2), "`".repeat(n), "$(".repeat(n / 2), "1 or ".repeat(n / 5), " /?".repeat(n / 3),
      `http://${"@".repeat(n)}`, `http://[${":".repeat(n)}`, "<a on".repeat(n / 5), "%".repeat(n), "'".repeat(n),
    ];
    for (const body of inputs) compileWaf().inspect({ ...EMPTY, body });
  });
});

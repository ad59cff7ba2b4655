// Handler results to HTTP responses, by API Gateway payload format 2.0 rules, and the shapes a
// function must not be able to send.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toHttpResponse } from "../../src/edge/response.ts";

describe("toHttpResponse", () => {
  it("turns any JSON value into a 200 JSON response", () => {
    const r = toHttpResponse({ a: 1 });
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-type"], "application/json");
    assert.equal(r.body.toString(), '{"a":1}');
    assert.equal(toHttpResponse(undefined).body.toString(), "null");
  });

  it("uses a structured result as given, with cookies and a base64 body", () => {
    const r = toHttpResponse({
      statusCode: 201,
      headers: { "Content-Type": "text/plain", "X-N": 3 },
      cookies: ["a=1; HttpOnly"],
      body: Buffer.from("hi").toString("base64"),
      isBase64Encoded: true,
    });
    assert.equal(r.status, 201);
    assert.equal(r.headers["content-type"], "text/plain");
    assert.equal(r.headers["x-n"], "3");
    assert.deepEqual(r.headers["set-cookie"], ["a=1; HttpOnly"]);
    assert.equal(r.body.toString(), "hi");
  });

  it("refuses header injection through values, names and cookies", () => {
    for (const bad of [
      { statusCode: 200, headers: { "x-a": "ok\r\nset-cookie: stolen=1" } },
      { statusCode: 200, headers: { "x-a\r\nx-b": "v" } },
      { statusCode: 200, headers: { "bad name": "v" } },
      { statusCode: 200, cookies: ["a=1\r\nx-evil: 1"] },
      { statusCode: 200, headers: { "x-o": { nested: true } } },
    ]) {
      assert.throws(() => toHttpResponse(bad), { code: "BWK_BAD_RESPONSE" }, JSON.stringify(bad));
    }
  });

  it("refuses status codes outside 200..599", () => {
    for (const statusCode of [99, 101, 600, 200.5, "200"]) {
      assert.throws(() => toHttpResponse({ statusCode }), { code: "BWK_BAD_RESPONSE" }, String(statusCode));
    }
  });

  it("never lets a function set framing or platform headers", () => {
    const r = toHttpResponse({
      statusCode: 200,
      headers: { "Content-Length": "1", "Transfer-Encoding": "chunked", Connection: "close", "X-Request-Id": "forged", Server: "x" },
      body: "hello",
    });
    for (const h of ["content-length", "transfer-encoding", "connection", "x-request-id", "server"]) assert.equal(r.headers[h], undefined, h);
  });
});

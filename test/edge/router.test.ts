// Route matching: precedence, parameters, 405s and refused paths.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { FunctionSpec, HttpTrigger } from "../../src/core/manifest/types.ts";
import { Router } from "../../src/edge/router.ts";
import type { FunctionVersion } from "../../src/store/state.ts";

function version(name: string, routes: string[]): FunctionVersion {
  const triggers: HttpTrigger[] = routes.map((r) => {
    const [method, path] = r.split(" ") as [HttpTrigger["method"], string];
    return { kind: "http", method, path, auth: "none" };
  });
  const spec = { name, handler: "h.js", export: "handler", memoryBytes: 1, timeoutMs: 1, concurrency: 1, triggers, sandbox: { childProcesses: false, tmpWrite: true } } as FunctionSpec;
  return { app: "a", function: name, version: 1, bundleHash: "0".repeat(64), spec, createdAt: "", deployedBy: null };
}

const router = new Router([
  version("byId", ["GET /users/{id}"]),
  version("me", ["GET /users/me"]),
  version("files", ["GET /files/{path+}"]),
  version("any", ["ANY /hook"]),
  version("root", ["GET /"]),
]);

describe("Router", () => {
  it("prefers a literal segment over a parameter, whatever the order", () => {
    assert.equal(router.match("GET", "/users/me").function, "me");
    assert.deepEqual(router.match("GET", "/users/42").pathParameters, { id: "42" });
  });

  it("percent-decodes parameters", () => {
    assert.deepEqual(router.match("GET", "/users/a%20b").pathParameters, { id: "a b" });
  });

  it("gives a greedy parameter the rest of the path", () => {
    const m = router.match("GET", "/files/a/b/c.txt");
    assert.equal(m.function, "files");
    assert.deepEqual(m.pathParameters, { path: "a/b/c.txt" });
    assert.equal(m.routeKey, "GET /files/{path+}");
  });

  it("matches ANY for every method and GET routes for HEAD", () => {
    assert.equal(router.match("PATCH", "/hook").function, "any");
    assert.equal(router.match("HEAD", "/users/me").function, "me");
    assert.equal(router.match("GET", "/").function, "root");
  });

  it("answers 405 with Allow for a known path and another method", () => {
    assert.throws(() => router.match("POST", "/users/me"), (e: { code: string; headers: Record<string, string> }) => {
      assert.equal(e.code, "BWK_METHOD_NOT_ALLOWED");
      assert.equal(e.headers.allow, "GET");
      return true;
    });
  });

  it("answers 404 for an unknown path or a missing parameter", () => {
    assert.throws(() => router.match("GET", "/nope"), { code: "BWK_ROUTE_NOT_FOUND" });
    assert.throws(() => router.match("GET", "/users/"), { code: "BWK_ROUTE_NOT_FOUND" });
    assert.throws(() => router.match("GET", "/users/1/extra"), { code: "BWK_ROUTE_NOT_FOUND" });
  });

  it("refuses dot segments, encoded or not, and NUL bytes instead of resolving them", () => {
    for (const path of ["/files/../etc/passwd", "/files/%2e%2e/secret", "/users/%2E", "/users/a%00b"]) {
      assert.throws(() => router.match("GET", path), { code: "BWK_BAD_REQUEST" }, path);
    }
  });

  it("refuses dot segments hidden in one segment by an encoded slash or a backslash, and keeps dotted names", () => {
    for (const path of ["/users/..%2F..%2Fetc%2Fpasswd", "/users/a%2F.", "/users/..%5Cwin.ini", "/files/a/..%2fb"]) {
      assert.throws(() => router.match("GET", path), { code: "BWK_BAD_REQUEST" }, path);
    }
    assert.deepEqual(router.match("GET", "/users/v1.2%2F...").pathParameters, { id: "v1.2/..." });
  });

  it("refuses a broken percent-encoding", () => {
    assert.throws(() => router.match("GET", "/users/%E0%A4%A"), { code: "BWK_BAD_REQUEST" });
  });
});

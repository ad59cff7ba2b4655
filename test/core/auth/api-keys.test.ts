import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  checkKeyName,
  keyCovers,
  keyUnusable,
  parseFunctionNames,
  parseKeyLifetime,
  parseRoles,
  parseRouteKeys,
} from "../../../src/core/auth/api-keys.ts";
import { BulwarkError } from "../../../src/core/errors.ts";

function refuses(run: () => unknown): void {
  assert.throws(run, (e: unknown) => e instanceof BulwarkError && e.code === "BWK_INVALID_ARGUMENT");
}

describe("API key names and scopes", () => {
  it("accepts plain names and refuses anything that could break a listing or a path", () => {
    assert.equal(checkKeyName("ci-deploy.v2"), "ci-deploy.v2");
    for (const name of ["", "-x", "a b", "a/b", "x".repeat(64), "ключ", 7, "a\nb"]) refuses(() => checkKeyName(name));
  });

  it("parses route lists as bulwark ls prints them", () => {
    assert.deepEqual(parseRouteKeys("GET /orders, POST /orders/{id},GET /orders"), ["GET /orders", "POST /orders/{id}"]);
    assert.deepEqual(parseRouteKeys(["ANY /x"]), ["ANY /x"]);
    for (const bad of ["get /x", "GET x", "GET /x y", "TRACE /x", "/x", [1]]) refuses(() => parseRouteKeys(bad));
  });

  it("parses function and role lists", () => {
    assert.deepEqual(parseFunctionNames("a,b-c"), ["a", "b-c"]);
    refuses(() => parseFunctionNames("A"));
    assert.deepEqual(parseRoles("ops, admin"), ["ops", "admin"]);
    refuses(() => parseRoles(["a b"]));
    refuses(() => parseRoles(Array.from({ length: 101 }, (_, i) => `r${i}`)));
  });

  it("covers every route with an empty scope, else only the routes and functions it names", () => {
    assert.equal(keyCovers({ routes: [], functions: [] }, "orders", "GET /orders"), true);
    assert.equal(keyCovers({ routes: ["GET /orders"], functions: [] }, "orders", "GET /orders"), true);
    assert.equal(keyCovers({ routes: ["GET /orders"], functions: [] }, "orders", "POST /orders"), false);
    assert.equal(keyCovers({ routes: [], functions: ["orders"] }, "orders", "POST /orders"), true);
    assert.equal(keyCovers({ routes: [], functions: ["orders"] }, "refunds", "POST /refunds"), false);
  });
});

describe("API key lifetime and state", () => {
  it("parses minutes, hours and days", () => {
    assert.equal(parseKeyLifetime("90m"), 90 * 60_000);
    assert.equal(parseKeyLifetime("12h"), 12 * 3_600_000);
    assert.equal(parseKeyLifetime("30d"), 30 * 86_400_000);
    for (const bad of ["0d", "30", "1y", "-1d", "1.5d", "3651d", 30]) refuses(() => parseKeyLifetime(bad));
  });

  it("says why a key cannot be used: revoked wins over expired", () => {
    const now = Date.parse("2025-01-02T00:00:00Z");
    assert.equal(keyUnusable({ expiresAt: null, revokedAt: null }, now), null);
    assert.equal(keyUnusable({ expiresAt: "2025-01-03T00:00:00Z", revokedAt: null }, now), null);
    assert.equal(keyUnusable({ expiresAt: "2025-01-02T00:00:00Z", revokedAt: null }, now), "expired key");
    assert.equal(keyUnusable({ expiresAt: "2025-01-01T00:00:00Z", revokedAt: "2025-01-01T00:00:00Z" }, now), "revoked key");
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { claimList, principalFromClaims } from "../../../src/core/auth/claims.ts";

describe("principalFromClaims", () => {
  it("takes the subject, roles and scopes from the configured claims", () => {
    const claims = { sub: "user-1", roles: ["customer", "beta"], scope: "orders:read orders:write" };
    assert.deepEqual(principalFromClaims(claims, "roles", "scope"), {
      ok: true,
      principal: { subject: "user-1", roles: ["customer", "beta"], scopes: ["orders:read", "orders:write"] },
    });
  });

  it("reads namespaced claim names as they are (Auth0-style URLs with dots)", () => {
    const claims = { sub: "u", "https://shop.example/roles": ["admin"] };
    assert.deepEqual(principalFromClaims(claims, "https://shop.example/roles", "scp"), { ok: true, principal: { subject: "u", roles: ["admin"], scopes: [] } });
  });

  it("refuses a token without a usable sub", () => {
    for (const sub of [undefined, "", 42, ["a"], "x".repeat(257)]) {
      assert.equal(principalFromClaims({ sub }, "roles", "scope").ok, false);
    }
  });

  it("never reads inherited properties as claims (constructor, __proto__)", () => {
    const result = principalFromClaims(JSON.parse('{"sub":"u"}'), "constructor", "__proto__");
    assert.deepEqual(result, { ok: true, principal: { subject: "u", roles: [], scopes: [] } });
  });
});

describe("claimList", () => {
  it("takes arrays of strings and space-separated strings, dropping anything else", () => {
    assert.deepEqual(claimList(["a", 1, null, "", "b", "a", { x: 1 }]), ["a", "b"]);
    assert.deepEqual(claimList("a  b"), ["a", "b"]);
    assert.deepEqual(claimList({ a: true }), []);
    assert.deepEqual(claimList(undefined), []);
  });

  it("bounds what a token can make the edge hold", () => {
    assert.equal(claimList(Array.from({ length: 1000 }, (_, i) => `r${i}`)).length, 64);
    assert.deepEqual(claimList(["x".repeat(129), "ok"]), ["ok"]);
  });
});

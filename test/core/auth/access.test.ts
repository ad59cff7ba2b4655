import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideAccess } from "../../../src/core/auth/access.ts";
import { bearerChallenge } from "../../../src/core/auth/challenge.ts";

const route = { function: "orders", routeKey: "GET /orders" };

describe("decideAccess", () => {
  it("allows any authenticated caller on a route without roles or scopes", () => {
    assert.deepEqual(decideAccess(route, { roles: [], scopes: [] }), { allowed: true });
  });

  it("needs one of the route's roles", () => {
    const rules = { ...route, roles: ["admin", "ops"] };
    assert.deepEqual(decideAccess(rules, { roles: ["ops"], scopes: [] }), { allowed: true });
    assert.deepEqual(decideAccess(rules, { roles: ["customer"], scopes: [] }), { allowed: false, reason: "missing role" });
    assert.deepEqual(decideAccess(rules, { roles: [], scopes: [] }), { allowed: false, reason: "missing role" });
  });

  it("needs all of the route's scopes and names the missing ones", () => {
    const rules = { ...route, scopes: ["orders:read", "orders:export"] };
    assert.deepEqual(decideAccess(rules, { roles: [], scopes: ["orders:read", "orders:export", "x"] }), { allowed: true });
    assert.deepEqual(decideAccess(rules, { roles: [], scopes: ["orders:read"] }), {
      allowed: false,
      reason: "missing scope",
      missingScopes: ["orders:export"],
    });
  });

  it("refuses an API key scoped to other routes, whatever roles it has", () => {
    const caller = { roles: ["admin"], scopes: [], keyScope: { routes: ["POST /orders"], functions: [] } };
    assert.deepEqual(decideAccess({ ...route, roles: ["admin"] }, caller), { allowed: false, reason: "key not scoped to this route" });
  });
});

describe("bearerChallenge", () => {
  it("writes RFC 6750 challenges, bare when no credential was sent", () => {
    assert.equal(bearerChallenge(), 'Bearer realm="bulwark"');
    assert.equal(
      bearerChallenge({ error: "insufficient_scope", scopes: ["a", "b"] }),
      'Bearer realm="bulwark", error="insufficient_scope", scope="a b"',
    );
  });

  it("never lets a quote or backslash break out of a parameter", () => {
    assert.equal(bearerChallenge({ error: "invalid_token", description: 'bad "x"\\\n' }), 'Bearer realm="bulwark", error="invalid_token", error_description="bad x"');
  });
});

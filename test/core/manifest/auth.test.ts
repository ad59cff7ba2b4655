// The manifest's auth keys: every http route says `auth:`, roles and scopes only where they can be
// checked, and the app's `jwt:` block with one key source, fitting algorithms and a safe JWKS URL.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseManifest, validateManifestObject } from "../../../src/core/manifest/parse.ts";
import { assertAt, invalid, invalidYaml, lines } from "./expect-invalid.ts";

const JWT = "jwt: { issuer: https://id.example.com/, audience: shop, jwksUrl: https://id.example.com/jwks.json }";

/** An app with an optional jwt line (line 2) and function f whose trigger is `http` (line 6). */
function app(http: string, jwt = JWT): string {
  return lines("app: shop", jwt, "functions:", "  f:", "    handler: f.ts", `    triggers: [{ http: ${http} }]`);
}

function jwtBlock(block: string): string {
  return app("{ method: GET, path: /x, auth: jwt }", `jwt: ${block}`);
}

describe("manifest route auth", () => {
  it("refuses an http trigger without auth (auth is never implicit)", () => {
    assertAt(invalidYaml(app("{ method: GET, path: /x }")), 6, "functions.f.triggers[0].http.auth");
    const raw = { app: "a", functions: { f: { handler: "f.ts", triggers: [{ http: { method: "GET", path: "/x" } }] } } };
    assert.equal(invalid(() => validateManifestObject(raw, "manifest")).extra["field"], "functions.f.triggers[0].http.auth");
  });

  it("refuses an auth mode it does not know", () => {
    assertAt(invalidYaml(app("{ method: GET, path: /x, auth: basic }")), 6, "functions.f.triggers[0].http.auth");
  });

  it("refuses auth: jwt when the app has no jwt block", () => {
    assertAt(invalidYaml(app("{ method: GET, path: /x, auth: jwt }", "# no jwt")), 6, "functions.f.triggers[0].http.auth");
  });

  it("refuses roles on a public route and scopes on a route that verifies no JWT", () => {
    assertAt(invalidYaml(app("{ method: GET, path: /x, auth: none, roles: [admin] }")), 6, "functions.f.triggers[0].http.roles");
    assertAt(invalidYaml(app("{ method: GET, path: /x, auth: apiKey, scopes: [read] }")), 6, "functions.f.triggers[0].http.scopes");
  });

  it("refuses empty, duplicate or spaced role and scope names", () => {
    for (const roles of ["[]", "[a, a]", "['a b']", "['a,b']", "['']"]) {
      invalidYaml(app(`{ method: GET, path: /x, auth: jwt, roles: ${roles} }`));
    }
  });

  it("keeps roles and scopes, and copies the jwt block only into functions with a jwt route", () => {
    const text = lines(
      "app: shop",
      JWT,
      "functions:",
      "  f:",
      "    handler: f.ts",
      "    triggers: [{ http: { method: GET, path: /x, auth: jwt, roles: [admin, ops], scopes: ['orders:read'] } }]",
      "  g:",
      "    handler: g.ts",
      "    triggers: [{ http: { method: GET, path: /y, auth: apiKey } }]",
    );
    const { functions } = parseManifest(text, "bulwark.yaml").manifest;
    assert.deepEqual(functions["f"]?.triggers[0], {
      kind: "http",
      method: "GET",
      path: "/x",
      auth: "jwt",
      roles: ["admin", "ops"],
      scopes: ["orders:read"],
    });
    assert.equal(functions["f"]?.jwt?.issuer, "https://id.example.com/");
    assert.equal(functions["g"]?.jwt, undefined);
  });
});

describe("manifest jwt block", () => {
  it("fills defaults and takes an audience list", () => {
    const text = jwtBlock("{ issuer: i, audience: [a, b], jwksUrl: 'https://id.example.com/k', rolesClaim: groups, scopesClaim: scp, clockSkew: 45s }");
    assert.deepEqual(parseManifest(text, "bulwark.yaml").manifest.functions["f"]?.jwt, {
      issuer: "i",
      audience: ["a", "b"],
      jwksUrl: "https://id.example.com/k",
      algorithms: ["RS256", "ES256"],
      rolesClaim: "groups",
      scopesClaim: "scp",
      clockSkewMs: 45_000,
    });
  });

  it("accepts plain http for a JWKS on loopback only", () => {
    for (const url of ["http://127.0.0.1:9000/jwks", "http://localhost/jwks", "http://[::1]:8/jwks"]) {
      const text = jwtBlock(`{ issuer: i, audience: a, jwksUrl: '${url}' }`);
      assert.equal(parseManifest(text, "bulwark.yaml").manifest.functions["f"]?.jwt?.jwksUrl, new URL(url).href);
    }
  });

  it("refuses a JWKS URL an attacker on the path could answer, or one that is no URL", () => {
    for (const url of ["http://id.example.com/jwks", "http://10.0.0.1/jwks", "ftp://id.example.com/jwks", "file:///etc/jwks", "/jwks", "https://user:pw@id.example.com/jwks"]) {
      assertAt(invalidYaml(jwtBlock(`{ issuer: i, audience: a, jwksUrl: '${url}' }`)), 2, "jwt.jwksUrl");
    }
  });

  it("refuses a block with no key source, or with two", () => {
    assertAt(invalidYaml(jwtBlock("{ issuer: i, audience: a }")), 2, "jwt");
    assertAt(invalidYaml(jwtBlock("{ issuer: i, audience: a, jwksUrl: 'https://x.example/k', secretName: JWT_KEY, algorithms: [HS256] }")), 2, "jwt.secretName");
  });

  it("refuses HMAC algorithms with a JWKS (algorithm confusion) and public-key ones with a secret", () => {
    assertAt(invalidYaml(jwtBlock("{ issuer: i, audience: a, jwksUrl: 'https://x.example/k', algorithms: [RS256, HS256] }")), 2, "jwt.algorithms[1]");
    assertAt(invalidYaml(jwtBlock("{ issuer: i, audience: a, secretName: JWT_KEY, algorithms: [RS256] }")), 2, "jwt.algorithms[0]");
    assertAt(invalidYaml(jwtBlock("{ issuer: i, audience: a, secretName: JWT_KEY }")), 2, "jwt.algorithms");
  });

  it("accepts an explicit shared secret with HMAC algorithms", () => {
    const text = jwtBlock("{ issuer: i, audience: a, secretName: JWT_KEY, algorithms: [HS256] }");
    const jwt = parseManifest(text, "bulwark.yaml").manifest.functions["f"]?.jwt;
    assert.deepEqual([jwt?.secretName, jwt?.algorithms, jwt?.jwksUrl], ["JWT_KEY", ["HS256"], undefined]);
  });

  it("refuses alg none, unknown keys and a clock skew that would keep expired tokens alive", () => {
    assertAt(invalidYaml(jwtBlock("{ issuer: i, audience: a, jwksUrl: 'https://x.example/k', algorithms: [none] }")), 2, "jwt.algorithms[0]");
    assertAt(invalidYaml(jwtBlock("{ issuer: i, audience: a, jwksUrl: 'https://x.example/k', verify: false }")), 2, "jwt.verify");
    assertAt(invalidYaml(jwtBlock("{ issuer: i, audience: a, jwksUrl: 'https://x.example/k', clockSkew: 10m }")), 2, "jwt.clockSkew");
    assertAt(invalidYaml(jwtBlock("{ issuer: i, audience: [], jwksUrl: 'https://x.example/k' }")), 2, "jwt.audience");
    assertAt(invalidYaml(jwtBlock("{ audience: a, jwksUrl: 'https://x.example/k' }")), 2, "jwt.issuer");
  });
});

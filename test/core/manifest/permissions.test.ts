// The manifest's `permissions:`, `isolation:` and `tenantFrom:` keys: accepted, normalized into
// FunctionSpec, and refused with the field that is wrong.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseManifest, validateManifestObject } from "../../../src/core/manifest/parse.ts";
import { assertAt, invalid, invalidYaml, lines } from "./expect-invalid.ts";

const fn = (...body: string[]) => lines("app: shop", "functions:", "  charge:", "    handler: charge.ts", ...body);

describe("manifest permissions", () => {
  it("normalizes a permissions block into the function's spec", () => {
    const text = fn(
      "    permissions:",
      "      secrets: [PSP_API_KEY]",
      "      kv: { ledger: [read, write] }",
      "      objects: { receipts: [write] }",
      "      invoke: [fraud-score]",
      '      egress: ["psp.example.com:443"]',
    );
    const spec = parseManifest(text, "bulwark.yaml").manifest.functions["charge"];
    assert.deepEqual(spec?.permissions, {
      secrets: ["PSP_API_KEY"],
      kv: { ledger: ["read", "write"] },
      objects: { receipts: ["write"] },
      invoke: ["fraud-score"],
      egress: ["psp.example.com:443"],
    });
    assert.equal(spec?.isolation, undefined);
  });

  it("leaves permissions unset when the function declares none (it can only compute)", () => {
    assert.equal(parseManifest(fn(), "bulwark.yaml").manifest.functions["charge"]?.permissions, undefined);
  });

  it("refuses an unknown permission section, naming it", () => {
    const e = invalidYaml(fn("    permissions:", "      queues: [jobs]"));
    assertAt(e, 6, "functions.charge.permissions.queues");
  });

  it("refuses a right that is not read or write", () => {
    const e = invalidYaml(fn("    permissions:", "      kv: { ledger: [admin] }"));
    assert.equal(e.extra["field"], "functions.charge.permissions.kv.ledger[0]");
  });

  it("refuses a right given as a string instead of a list", () => {
    invalidYaml(fn("    permissions:", "      kv: { ledger: write }"));
  });

  it("refuses a namespace that could smuggle a path", () => {
    invalidYaml(fn("    permissions:", '      kv: { "../other": [read] }'));
    invalidYaml(fn("    permissions:", '      objects: { "tenants/a": [read] }'));
  });

  it("refuses a lower-case secret name and an egress grant without a port", () => {
    invalidYaml(fn("    permissions:", "      secrets: [psp_key]"));
    invalidYaml(fn("    permissions:", '      egress: ["psp.example.com"]'));
  });

  it("validates permissions the same way when the manifest arrives as JSON", () => {
    const raw = { app: "shop", functions: { charge: { handler: "charge.ts", permissions: { secrets: ["a b"] } } } };
    invalid(() => validateManifestObject(raw, "bulwark.yaml"));
  });
});

describe("manifest tenant isolation", () => {
  it("normalizes isolation: tenant with a JWT claim", () => {
    const text = fn(
      "    isolation: tenant",
      "    tenantFrom: jwt.claim:org_id",
      "    triggers: [{ http: { method: GET, path: /x, auth: jwt } }]",
      "jwt: { issuer: https://id.example.com/, audience: shop, jwksUrl: https://id.example.com/jwks.json }",
    );
    const spec = parseManifest(text, "bulwark.yaml").manifest.functions["charge"];
    assert.deepEqual(spec?.isolation, { mode: "tenant", from: "jwt.claim", name: "org_id" });
  });

  it("normalizes a header source to its lower-case name on an authenticated route", () => {
    const text = fn(
      "    isolation: tenant",
      "    tenantFrom: header:X-Tenant-Id",
      "    triggers: [{ http: { method: GET, path: /x, auth: apiKey } }]",
    );
    const spec = parseManifest(text, "bulwark.yaml").manifest.functions["charge"];
    assert.deepEqual(spec?.isolation, { mode: "tenant", from: "header", name: "x-tenant-id" });
  });

  it("refuses a header tenant on a route anyone can call (auth: none)", () => {
    const e = invalidYaml(
      fn("    isolation: tenant", "    tenantFrom: header:x-tenant", "    triggers:", "      - http: { method: GET, path: /x, auth: none }"),
    );
    assert.equal(e.extra["field"], "functions.charge.triggers[0].http.auth");
  });

  it("refuses a JWT-claim tenant on a route that does not verify a JWT", () => {
    const e = invalidYaml(
      fn("    isolation: tenant", "    tenantFrom: jwt.claim:org", "    triggers:", "      - http: { method: GET, path: /x, auth: apiKey }"),
    );
    assert.equal(e.extra["field"], "functions.charge.triggers[0].http.auth");
  });

  it("requires tenantFrom with isolation: tenant, and refuses it without", () => {
    assert.equal(invalidYaml(fn("    isolation: tenant")).extra["field"], "functions.charge.tenantFrom");
    assert.equal(invalidYaml(fn("    tenantFrom: header:x-tenant")).extra["field"], "functions.charge.tenantFrom");
  });

  it("refuses a tenant source that is neither a claim nor a header", () => {
    invalidYaml(fn("    isolation: tenant", "    tenantFrom: query:tenant"));
    invalidYaml(fn("    isolation: tenant", "    tenantFrom: header:x tenant"));
    invalidYaml(fn("    isolation: per-request"));
  });

  it("accepts isolation: none as the default, explicitly", () => {
    assert.equal(parseManifest(fn("    isolation: none"), "bulwark.yaml").manifest.functions["charge"]?.isolation, undefined);
  });
});

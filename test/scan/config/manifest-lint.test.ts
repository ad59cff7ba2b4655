// Manifest lint over a raw bulwark.yaml: each rule, its field path and its position.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { lintManifest } from "../../../src/scan/config/manifest-lint.ts";
import { parseYaml } from "../../../src/scan/config/yaml.ts";

const text = readFileSync(fileURLToPath(new URL("../fixtures/manifest/bulwark.yaml", import.meta.url)), "utf8");
const parsed = parseYaml(text, "bulwark.yaml");
const SOURCES: Record<string, string> = {
  charge: `const key = await ctx.secrets.get("PSP_API_KEY"); await ctx.kv("ledger").put(id, x);`,
  tenant: `const orders = await ctx.kv("orders").list(ctx.identity.tenant);`,
  isolated: `const orders = await ctx.kv("orders").list(ctx.identity.tenant);`,
};
const findings = lintManifest(parsed.value, { file: "bulwark.yaml", locate: parsed.locate, handlerSource: (fn) => SOURCES[fn] });
const fields = (rule: string) => findings.filter((f) => f.ruleId === rule).map((f) => f.field).sort();

describe("lintManifest", () => {
  it("flags auth: none routes at the auth field", () => {
    assert.deepEqual(fields("manifest/auth-none"), ["functions.health.triggers[0].http.auth"]);
    const f = findings.find((x) => x.ruleId === "manifest/auth-none")!;
    assert.equal(text.split("\n")[f.line - 1]!.slice(f.column - 1).startsWith("auth: none"), true);
    assert.equal(f.severity, "medium");
  });

  it("flags body routes without input schema, located at the method", () => {
    assert.deepEqual(fields("manifest/missing-input-schema"), ["functions.upload.input"]);
    const f = findings.find((x) => x.ruleId === "manifest/missing-input-schema")!;
    assert.match(text.split("\n")[f.line - 1]!, /method: PUT/);
  });

  it("flags wildcard grants and egress to any host as high", () => {
    assert.deepEqual(fields("manifest/wildcard-grant"), ["functions.upload.permissions.objects.*", "functions.upload.permissions.secrets[0]"]);
    assert.deepEqual(fields("manifest/egress-any"), ["functions.upload.permissions.egress[0]"]);
    assert.ok(findings.filter((f) => f.ruleId.startsWith("manifest/egress") || f.ruleId === "manifest/wildcard-grant").every((f) => f.severity === "high"));
  });

  it("flags long timeouts and large memory as low", () => {
    assert.deepEqual(fields("manifest/long-timeout"), ["functions.charge.timeout"]);
    assert.deepEqual(fields("manifest/large-memory"), ["functions.charge.memory"]);
  });

  it("flags grants the handler's code never names", () => {
    assert.deepEqual(fields("manifest/unused-grant"), ["functions.charge.permissions.secrets[1]"]);
  });

  it("flags a role-scoped route whose handler reads the tenant, unless the function isolates tenants", () => {
    assert.deepEqual(fields("manifest/tenant-isolation-missing"), ["functions.tenant.tenantFrom"]);
  });

  it("ignores shapes it does not understand", () => {
    assert.deepEqual(lintManifest(null, { file: "bulwark.yaml" }), []);
    assert.deepEqual(lintManifest({ functions: { a: 1, b: { triggers: "x", permissions: 5 } } }, { file: "bulwark.yaml" }), []);
  });
});

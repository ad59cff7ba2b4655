// `policy lint` and `policy suggest` over real recorded calls.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { permissionsYaml } from "../../src/broker/permissions-yaml.ts";
import { brokerBench } from "./bench.ts";

const APP = `
app: shop
functions:
  charge:
    handler: charge.ts
    permissions:
      secrets: [PSP_KEY, MISSING_KEY]
      kv: { ledger: [read, write] }
      invoke: [no-such-fn]
      egress: ["*.example.com:443", "api.psp.com:443"]
  audit:
    handler: audit.ts
    permissions:
      kv: { ledger: [read] }
`;

describe("policy lint", () => {
  it("flags wildcards, unknown targets, unused grants (with history) and shared namespaces", async () => {
    const b = await brokerBench();
    try {
      b.deploy(APP);
      b.secrets.set("PSP_KEY", "psp-value-1");
      await b.call("charge", "secrets.get", ["PSP_KEY"]);
      await b.call("charge", "kv.get", ["ledger", "k"]);
      const findings = b.insights.lint().map((f) => `${f.function} ${f.rule} ${f.severity} ${f.field}`);
      assert.deepEqual(findings.sort(), [
        "audit shared-namespace info functions.audit.permissions.kv.ledger",
        "charge shared-namespace info functions.charge.permissions.kv.ledger",
        "charge unknown-target medium functions.charge.permissions.invoke[0]",
        "charge unknown-target medium functions.charge.permissions.secrets[1]",
        "charge unused-grant low functions.charge.permissions.egress[0]",
        "charge unused-grant low functions.charge.permissions.egress[1]",
        "charge unused-grant low functions.charge.permissions.invoke[0]",
        "charge unused-grant low functions.charge.permissions.kv.ledger[1]",
        "charge unused-grant low functions.charge.permissions.secrets[1]",
        "charge wildcard-grant medium functions.charge.permissions.egress[0]",
      ]);
    } finally {
      b.close();
    }
  });

  it("does not call grants unused for a function with no recorded history", async () => {
    const b = await brokerBench();
    try {
      b.deploy(APP);
      assert.equal(b.insights.lint().filter((f) => f.rule === "unused-grant").length, 0);
    } finally {
      b.close();
    }
  });
});

describe("policy suggest", () => {
  it("refuses a function that is neither deployed nor recorded", async () => {
    const b = await brokerBench();
    try {
      b.deploy(APP);
      assert.throws(() => b.insights.suggest("ghost"), { code: "BWK_FUNCTION_NOT_FOUND" });
      assert.equal(b.insights.suggest("audit").yaml, "permissions: {}\n");
    } finally {
      b.close();
    }
  });

  it("prints YAML ready to paste, egress quoted", () => {
    const yaml = permissionsYaml({ secrets: ["A", "B"], kv: { ledger: ["read", "write"] }, objects: { receipts: ["write"] }, invoke: ["f"], egress: ["api.psp.com:443"] });
    assert.equal(
      yaml,
      [
        "permissions:",
        "  secrets: [A, B]",
        "  kv:",
        "    ledger: [read, write]",
        "  objects:",
        "    receipts: [write]",
        "  invoke: [f]",
        '  egress: ["api.psp.com:443"]',
        "",
      ].join("\n"),
    );
  });
});

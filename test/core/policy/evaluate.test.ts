import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Action, ACTIONS, compilePolicy, type Decision, evaluate, type Permissions } from "../../../src/core/policy/index.ts";

const permissions: Permissions = {
  secrets: ["PSP_API_KEY"],
  kv: { ledger: ["read", "write"], cache: ["read"] },
  objects: { receipts: ["read", "write"], archive: ["write"] },
  invoke: ["fraud-score"],
  egress: ["psp.example.com:443", "10.0.0.5:8080", "*.api.example.net:443", "[2001:db8::1]:443"],
};
const policy = compilePolicy("charge", permissions);

type Row = [action: string, resource: unknown, expected: "allow" | { missing: string } | { reason: string }];

function check(decision: Decision, expected: Row[2]): void {
  if (expected === "allow") {
    assert.equal(decision.allowed, true, JSON.stringify(decision));
  } else if ("missing" in expected) {
    assert.equal(decision.allowed, false);
    assert.equal(decision.allowed === false && decision.reason, "not-granted");
    assert.equal("missing" in decision && decision.missing, expected.missing);
  } else {
    assert.equal(decision.allowed, false);
    assert.equal(decision.allowed === false && decision.reason, expected.reason);
  }
}

const granted: Row[] = [
  ["secrets.get", "PSP_API_KEY", "allow"],
  ["kv.get", "ledger", "allow"],
  ["kv.list", "ledger", "allow"],
  ["kv.put", "ledger", "allow"],
  ["kv.delete", "ledger", "allow"],
  ["kv.get", "cache", "allow"],
  ["kv.list", "cache", "allow"],
  ["objects.get", "receipts", "allow"],
  ["objects.list", "receipts", "allow"],
  ["objects.put", "receipts", "allow"],
  ["objects.delete", "receipts", "allow"],
  ["objects.put", "archive", "allow"],
  ["invoke", "fraud-score", "allow"],
  ["egress", "psp.example.com:443", "allow"],
  ["egress", "10.0.0.5:8080", "allow"],
  ["egress", "v2.api.example.net:443", "allow"],
  ["egress", "[2001:db8::1]:443", "allow"],
];

const notGranted: Row[] = [
  ["secrets.get", "DB_PASSWORD", { missing: "secrets: [DB_PASSWORD]" }],
  ["kv.put", "cache", { missing: "kv: { cache: [write] }" }],
  ["kv.delete", "cache", { missing: "kv: { cache: [write] }" }],
  ["kv.get", "sessions", { missing: "kv: { sessions: [read] }" }],
  ["objects.get", "archive", { missing: "objects: { archive: [read] }" }],
  ["objects.list", "archive", { missing: "objects: { archive: [read] }" }],
  ["objects.put", "ledger", { missing: "objects: { ledger: [write] }" }],
  ["kv.get", "receipts", { missing: "kv: { receipts: [read] }" }],
  ["invoke", "refund", { missing: "invoke: [refund]" }],
  ["egress", "psp.example.com:80", { missing: 'egress: ["psp.example.com:80"]' }],
  ["egress", "evil.example.com:443", { missing: 'egress: ["evil.example.com:443"]' }],
  ["egress", "10.0.0.5:8081", { missing: 'egress: ["10.0.0.5:8081"]' }],
  ["egress", "10.0.0.6:8080", { missing: 'egress: ["10.0.0.6:8080"]' }],
  // A wildcard covers exactly one label: not the apex, not two labels, not another port.
  ["egress", "api.example.net:443", { missing: 'egress: ["api.example.net:443"]' }],
  ["egress", "a.b.api.example.net:443", { missing: 'egress: ["a.b.api.example.net:443"]' }],
  ["egress", "v2.api.example.net:8443", { missing: 'egress: ["v2.api.example.net:8443"]' }],
  ["egress", "v2.xapi.example.net:443", { missing: 'egress: ["v2.xapi.example.net:443"]' }],
  ["egress", "[2001:db8::2]:443", { missing: 'egress: ["[2001:db8::2]:443"]' }],
];

// Names that look like a granted one: prefixes, suffixes, case, separators, traversal, encodings.
const confusion: Row[] = [
  ["kv.get", "ledger2", { missing: "kv: { ledger2: [read] }" }],
  ["kv.get", "ledge", { missing: "kv: { ledge: [read] }" }],
  ["kv.get", "ledger-x", { missing: "kv: { ledger-x: [read] }" }],
  ["kv.get", "Ledger", { reason: "invalid-resource" }],
  ["kv.get", "LEDGER", { reason: "invalid-resource" }],
  ["kv.get", "ledger/../x", { reason: "invalid-resource" }],
  ["kv.get", "ledger/", { reason: "invalid-resource" }],
  ["kv.get", "ledger ", { reason: "invalid-resource" }],
  ["kv.get", "ledger\n", { reason: "invalid-resource" }],
  ["kv.get", "ledger\u0000", { reason: "invalid-resource" }],
  ["kv.get", "ledger%2f", { reason: "invalid-resource" }],
  ["kv.get", "tenants/acme/ledger", { reason: "invalid-resource" }],
  ["kv.get", "", { reason: "invalid-resource" }],
  ["kv.get", "*", { reason: "invalid-resource" }],
  ["kv.get", "__proto__", { reason: "invalid-resource" }],
  ["kv.get", "constructor", { missing: "kv: { constructor: [read] }" }],
  ["kv.get", "ｌedger", { reason: "invalid-resource" }],
  ["secrets.get", "PSP_API_KEY_2", { missing: "secrets: [PSP_API_KEY_2]" }],
  ["secrets.get", "PSP_API", { missing: "secrets: [PSP_API]" }],
  ["secrets.get", "psp_api_key", { reason: "invalid-resource" }],
  ["secrets.get", "PSP_API_KEY ", { reason: "invalid-resource" }],
  ["secrets.get", "*", { reason: "invalid-resource" }],
  ["invoke", "fraud-score-v2", { missing: "invoke: [fraud-score-v2]" }],
  ["invoke", "fraud-score/../admin", { reason: "invalid-resource" }],
  ["invoke", "Fraud-Score", { reason: "invalid-resource" }],
  ["egress", "PSP.example.com:443", { reason: "invalid-resource" }],
  ["egress", "psp.example.com.:443", { reason: "invalid-resource" }],
  ["egress", "psp.example.com.evil.net:443", { missing: 'egress: ["psp.example.com.evil.net:443"]' }],
  ["egress", "evilpsp.example.com:443", { missing: 'egress: ["evilpsp.example.com:443"]' }],
  ["egress", "psp.example.com:443@evil.net:443", { reason: "invalid-resource" }],
  ["egress", "psp.example.com", { reason: "invalid-resource" }],
  ["egress", "psp.example.com:0443", { reason: "invalid-resource" }],
  ["egress", "*.api.example.net:443", { reason: "invalid-resource" }],
  ["egress", "[2001:db8:0::1]:443", { reason: "invalid-resource" }],
  ["egress", "https://psp.example.com:443", { reason: "invalid-resource" }],
];

const malformed: Row[] = [
  ["kv.read", "ledger", { reason: "unknown-action" }],
  ["KV.GET", "ledger", { reason: "unknown-action" }],
  ["secrets.list", "PSP_API_KEY", { reason: "unknown-action" }],
  ["", "ledger", { reason: "unknown-action" }],
  ["__proto__", "ledger", { reason: "unknown-action" }],
  ["toString", "ledger", { reason: "unknown-action" }],
  ["hasOwnProperty", "ledger", { reason: "unknown-action" }],
  ["kv.get", 42, { reason: "invalid-resource" }],
  ["kv.get", null, { reason: "invalid-resource" }],
  ["kv.get", ["ledger"], { reason: "invalid-resource" }],
  ["egress", { toString: () => "psp.example.com:443" }, { reason: "invalid-resource" }],
];

describe("evaluate", () => {
  for (const [title, rows] of [
    ["granted", granted],
    ["not granted", notGranted],
    ["prefix and case confusion", confusion],
    ["malformed requests", malformed],
  ] as const) {
    describe(title, () => {
      for (const [action, resource, expected] of rows) {
        test(`${action} ${JSON.stringify(resource) ?? String(resource)}`, () => {
          check(evaluate(policy, { action: action as Action, resource: resource as string }), expected);
        });
      }
    });
  }

  test("default deny: an empty block allows no action at all", () => {
    const none = compilePolicy("idle", {});
    const resources: Record<string, string> = {
      secrets: "PSP_API_KEY",
      kv: "ledger",
      objects: "receipts",
      invoke: "fraud-score",
      egress: "psp.example.com:443",
    };
    for (const [action, spec] of Object.entries(ACTIONS)) {
      const decision = evaluate(none, { action: action as Action, resource: resources[spec.section] ?? "" });
      assert.equal(decision.allowed, false, action);
      assert.equal(decision.allowed === false && decision.reason, "not-granted", action);
    }
  });

  test("an allowed call returns the resource as its key when there is no tenant isolation", () => {
    assert.deepEqual(evaluate(policy, { action: "kv.get", resource: "ledger", tenant: "acme" }), { allowed: true, resource: "ledger" });
  });

  test("a refusal message escapes what the function sent (log injection, CWE-117)", () => {
    const decision = evaluate(policy, { action: "kv.get", resource: "x\nFAKE LOG LINE" });
    assert.equal(decision.allowed, false);
    assert.ok(decision.allowed === false && !decision.message.includes("\n"));
  });
});

describe("evaluate under tenant isolation", () => {
  const isolated = compilePolicy("chart", { secrets: ["EHR_KEY"], kv: { notes: ["read", "write"] }, objects: { scans: ["read"] }, invoke: ["audit"], egress: ["ehr.example.com:443"] }, { tenant: "patient-7" });

  const rows: Array<[action: Action, resource: string, tenant: string | undefined, expected: Decision | string]> = [
    ["kv.get", "notes", "patient-7", { allowed: true, resource: "tenants/patient-7/notes" }],
    ["kv.put", "notes", "patient-7", { allowed: true, resource: "tenants/patient-7/notes" }],
    ["objects.get", "scans", "patient-7", { allowed: true, resource: "tenants/patient-7/scans" }],
    ["secrets.get", "EHR_KEY", "patient-7", { allowed: true, resource: "EHR_KEY" }],
    ["invoke", "audit", "patient-7", { allowed: true, resource: "audit" }],
    ["egress", "ehr.example.com:443", "patient-7", { allowed: true, resource: "ehr.example.com:443" }],
    ["kv.get", "notes", undefined, "tenant-required"],
    ["secrets.get", "EHR_KEY", undefined, "tenant-required"],
    ["kv.get", "notes", "patient-8", "tenant-mismatch"],
    ["kv.get", "notes", "patient-7/../patient-8", "tenant-mismatch"],
    ["kv.get", "notes", "", "tenant-mismatch"],
    ["kv.get", "notes", "PATIENT-7", "tenant-mismatch"],
    ["objects.put", "scans", "patient-7", "not-granted"],
  ];
  for (const [action, resource, tenant, expected] of rows) {
    test(`${action} ${resource} for tenant ${JSON.stringify(tenant)}`, () => {
      const decision = evaluate(isolated, { action, resource, ...(tenant === undefined ? {} : { tenant }) });
      if (typeof expected === "string") {
        assert.equal(decision.allowed, false);
        assert.equal(decision.allowed === false && decision.reason, expected);
      } else {
        assert.deepEqual(decision, expected);
      }
    });
  }
});

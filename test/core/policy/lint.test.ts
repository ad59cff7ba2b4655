import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type LintContext, type LintFinding, lintPermissions, type Permissions } from "../../../src/core/policy/index.ts";

const context: LintContext = { knownSecrets: ["PSP_API_KEY"], knownFunctions: ["fraud-score", "charge"] };

function brief(findings: LintFinding[]): string[] {
  return findings.map((f) => `${f.rule} ${f.severity} ${f.field}`);
}

describe("lintPermissions", () => {
  const rows: Array<[title: string, permissions: Permissions, ctx: LintContext, expected: string[]]> = [
    ["a clean block", { secrets: ["PSP_API_KEY"], invoke: ["fraud-score"], egress: ["psp.example.com:443"] }, context, []],
    ["an empty block", {}, context, []],
    ["a subdomain wildcard", { egress: ["psp.example.com:443", "*.example.com:443"] }, context, ["wildcard-grant medium permissions.egress[1]"]],
    ["a top-level-domain wildcard", { egress: ["*.com:443"] }, context, ["wildcard-grant high permissions.egress[0]"]],
    ["an unknown secret", { secrets: ["PSP_API_KEY", "PSP_API_KEYS"] }, context, ["unknown-target medium permissions.secrets[1]"]],
    ["secret names are case-sensitive", { secrets: ["PSP_API_KEY"] }, { ...context, knownSecrets: ["psp_api_key"] }, ["unknown-target medium permissions.secrets[0]"]],
    ["an unknown function", { invoke: ["fraud-scores"] }, context, ["unknown-target medium permissions.invoke[0]"]],
    [
      "unused grants, with recorded calls",
      {
        secrets: ["PSP_API_KEY"],
        kv: { ledger: ["read", "write"], cache: ["read"] },
        objects: { receipts: ["read", "write"] },
        invoke: ["fraud-score"],
        egress: ["psp.example.com:443", "*.api.example.net:443"],
      },
      {
        ...context,
        usedCalls: [
          { action: "kv.get", resource: "ledger" },
          { action: "objects.put", resource: "receipts" },
          { action: "egress", resource: "v1.api.example.net:443" },
        ],
      },
      [
        "unused-grant low permissions.secrets[0]",
        "unused-grant low permissions.kv.ledger[1]",
        "unused-grant low permissions.kv.cache[0]",
        "unused-grant low permissions.objects.receipts[0]",
        "unused-grant low permissions.invoke[0]",
        "unused-grant low permissions.egress[0]",
        "wildcard-grant medium permissions.egress[1]",
      ],
    ],
    [
      "every grant used",
      { secrets: ["PSP_API_KEY"], kv: { ledger: ["write"] }, invoke: ["fraud-score"], egress: ["psp.example.com:443"] },
      {
        ...context,
        usedCalls: [
          { action: "secrets.get", resource: "PSP_API_KEY" },
          { action: "kv.delete", resource: "ledger" },
          { action: "invoke", resource: "fraud-score" },
          { action: "egress", resource: "psp.example.com:443" },
        ],
      },
      [],
    ],
    [
      "a call to a look-alike does not count as use",
      { kv: { ledger: ["read"] }, egress: ["psp.example.com:443"] },
      { ...context, usedCalls: [{ action: "kv.get", resource: "ledger2" }, { action: "egress", resource: "psp.example.com:8443" }] },
      ["unused-grant low permissions.kv.ledger[0]", "unused-grant low permissions.egress[0]"],
    ],
  ];
  for (const [title, permissions, ctx, expected] of rows) {
    test(title, () => {
      assert.deepEqual(brief(lintPermissions(permissions, ctx)), expected);
    });
  }

  test("every finding has a one-line message", () => {
    const findings = lintPermissions({ secrets: ["NOPE"], egress: ["*.com:443"] }, { ...context, usedCalls: [] });
    assert.equal(findings.length, 4);
    for (const f of findings) assert.match(f.message, /^[^\n]+$/);
  });
});

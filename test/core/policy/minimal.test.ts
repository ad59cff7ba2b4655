import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compilePolicy, evaluate, minimalPermissions, type Action, type RecordedCall } from "../../../src/core/policy/index.ts";

const calls: RecordedCall[] = [
  { action: "kv.put", resource: "ledger" },
  { action: "egress", resource: "psp.example.com:443" },
  { action: "secrets.get", resource: "PSP_API_KEY" },
  { action: "kv.get", resource: "ledger" },
  { action: "kv.list", resource: "cache" },
  { action: "objects.put", resource: "receipts" },
  { action: "invoke", resource: "fraud-score" },
  { action: "secrets.get", resource: "PSP_API_KEY" },
  { action: "egress", resource: "10.0.0.5:8080" },
  { action: "secrets.get", resource: "AUDIT_KEY" },
];

describe("minimalPermissions", () => {
  test("covers the recorded calls with the smallest sorted block", () => {
    assert.deepEqual(minimalPermissions(calls), {
      secrets: ["AUDIT_KEY", "PSP_API_KEY"],
      kv: { cache: ["read"], ledger: ["read", "write"] },
      objects: { receipts: ["write"] },
      invoke: ["fraud-score"],
      egress: ["10.0.0.5:8080", "psp.example.com:443"],
    });
  });

  test("is deterministic: order of calls and key order do not change the output", () => {
    const forward = JSON.stringify(minimalPermissions(calls));
    const backward = JSON.stringify(minimalPermissions([...calls].reverse()));
    assert.equal(backward, forward);
  });

  test("sorts by code unit, not locale", () => {
    assert.deepEqual(minimalPermissions([
      { action: "secrets.get", resource: "B" },
      { action: "secrets.get", resource: "A_Z" },
      { action: "secrets.get", resource: "A9" },
      { action: "secrets.get", resource: "A" },
    ]).secrets, ["A", "A9", "A_Z", "B"]);
  });

  test("no calls, no grants", () => {
    assert.deepEqual(minimalPermissions([]), {});
  });

  test("skips calls no grant could cover (unknown actions, malformed or hostile resources)", () => {
    assert.deepEqual(minimalPermissions([
      { action: "kv.read", resource: "ledger" },
      { action: "__proto__", resource: "ledger" },
      { action: "kv.get", resource: "__proto__" },
      { action: "kv.get", resource: "ledger/../x" },
      { action: "egress", resource: "*.example.com:443" },
      { action: "secrets.get", resource: "lower" },
    ]), {});
  });

  test("the suggested block allows every recorded call and nothing else in its sections", () => {
    const policy = compilePolicy("charge", minimalPermissions(calls));
    for (const call of calls) {
      assert.equal(evaluate(policy, { action: call.action as Action, resource: call.resource }).allowed, true, JSON.stringify(call));
    }
    assert.equal(evaluate(policy, { action: "kv.put", resource: "cache" }).allowed, false);
    assert.equal(evaluate(policy, { action: "objects.get", resource: "receipts" }).allowed, false);
  });
});

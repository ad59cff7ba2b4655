import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { AuditRecord } from "../../../src/security/audit/types.ts";
import type { AuditRecordLike, SecurityEvent, Severity } from "../../../src/security/events.ts";
import { OCSF_SCHEMA_VERSION, toOcsf, type OcsfEvent } from "../../../src/security/siem/ocsf.ts";

const options = { productVersion: "1.2.3" };

function event(overrides: Partial<SecurityEvent> = {}): SecurityEvent {
  return {
    id: "0190a5d2-7b1e-7cc3-9d4e-3f2a1b0c9d8e",
    time: "2025-02-03T04:05:06.789Z",
    type: "waf.match",
    severity: "high",
    route: "POST /charge",
    clientIp: "203.0.113.9",
    principal: "key:ci",
    function: "charge",
    ruleId: "xss-002",
    reason: "script tag in body",
    requestId: "req-1",
    details: { field: "body.note" },
    ...overrides,
  };
}

const audit: AuditRecordLike = {
  seq: 42,
  time: "2025-02-03T04:05:06.000Z",
  actor: { type: "user", id: "alice" },
  action: "secret.delete",
  target: "secret:PSP_API_KEY",
  outcome: "success",
  requestId: "req-9",
  details: {},
};

// OCSF 1.1.0: attributes marked "required" on the base event and on each class we emit, plus the
// classes' "at least one of" constraints.
const BASE_REQUIRED = ["activity_id", "category_uid", "class_uid", "metadata", "severity_id", "time", "type_uid"];
const CLASS_RULES: Record<number, { required: string[]; atLeastOne: string[][] }> = {
  3002: { required: ["user"], atLeastOne: [["service", "dst_endpoint"]] },
  2004: { required: ["finding_info"], atLeastOne: [] },
  6003: { required: ["actor", "api", "src_endpoint"], atLeastOne: [] },
  4002: { required: [], atLeastOne: [["http_request", "http_response"], ["src_endpoint", "dst_endpoint"]] },
};

function assertValid(e: OcsfEvent, classUid: number): void {
  assert.equal(e.class_uid, classUid);
  for (const attribute of [...BASE_REQUIRED, ...CLASS_RULES[classUid]!.required]) assert.ok(e[attribute] !== undefined, `${classUid} needs ${attribute}`);
  for (const group of CLASS_RULES[classUid]!.atLeastOne) assert.ok(group.some((a) => e[a] !== undefined), `${classUid} needs one of ${group.join(", ")}`);
  assert.equal(e.category_uid, Math.floor(classUid / 1000));
  assert.equal(e.type_uid, classUid * 100 + e.activity_id);
  assert.deepEqual(e.metadata.product, { name: "Bulwark", vendor_name: "Bulwark", version: "1.2.3" });
  assert.equal(e.metadata.version, OCSF_SCHEMA_VERSION);
  assert.equal(typeof e.message, "string");
}

describe("toOcsf", () => {
  it("maps an authentication failure to Authentication (3002) Logon, status Failure", () => {
    const e = toOcsf(event({ type: "auth.failure", severity: "medium", ruleId: undefined }), options);
    assertValid(e, 3002);
    assert.equal(e.activity_id, 1);
    assert.equal(e.status_id, 2);
    assert.deepEqual(e["user"], { uid: "key:ci", name: "key:ci" });
    assert.deepEqual(e["src_endpoint"], { ip: "203.0.113.9" });
    assert.equal(e.time, Date.parse("2025-02-03T04:05:06.789Z"));
    assert.equal(e.metadata.uid, "0190a5d2-7b1e-7cc3-9d4e-3f2a1b0c9d8e");
    assert.equal(e.metadata["correlation_uid"], "req-1");
  });

  it("names an unknown user when no credential named one", () => {
    const e = toOcsf(event({ type: "auth.failure", principal: undefined }), options);
    assertValid(e, 3002);
    assert.deepEqual(e["user"], { name: "unknown" });
  });

  it("maps a WAF match to Detection Finding (2004) with the rule as its analytic", () => {
    const e = toOcsf(event(), options);
    assertValid(e, 2004);
    assert.equal(e.activity_id, 1);
    const info = e["finding_info"] as Record<string, unknown>;
    assert.equal(info["uid"], event().id);
    assert.equal(info["title"], "waf.match");
    assert.deepEqual(info["analytic"], { uid: "xss-002", name: "xss-002", type_id: 1, type: "Rule" });
    assert.deepEqual(e["evidences"], [{ src_endpoint: { ip: "203.0.113.9" }, actor: { user: { uid: "key:ci", name: "key:ci" } } }]);
    assert.equal(e["is_alert"], true);
  });

  for (const type of ["sandbox.escape", "audit.tampered", "anomaly.rate"]) {
    it(`maps ${type} to Detection Finding (2004)`, () => assertValid(toOcsf(event({ type }), options), 2004));
  }

  it("maps rate.limited and ip.denied to HTTP Activity (4002) with the method, the refusal and its status", () => {
    const limited = toOcsf(event({ type: "rate.limited" }), options);
    assertValid(limited, 4002);
    assert.equal(limited.activity_id, 6, "POST");
    assert.deepEqual(limited["http_response"], { code: 429 });
    assert.deepEqual(limited["http_request"], { uid: "req-1", http_method: "POST", url: { path: "/charge" } });
    assert.equal(limited["action_id"], 2);
    const denied = toOcsf(event({ type: "ip.denied", route: undefined, requestId: undefined }), options);
    assertValid(denied, 4002);
    assert.equal(denied.activity_id, 0, "method unknown");
    assert.deepEqual(denied["http_response"], { code: 403 });
  });

  it("maps a denied capability call to API Activity (6003) with the function as actor", () => {
    const e = toOcsf(event({ type: "capability.denied", clientIp: undefined, details: { operation: "secrets.get", target: "DB_PASSWORD" } }), options);
    assertValid(e, 6003);
    assert.equal(e.activity_id, 2, "read");
    assert.deepEqual(e["actor"], { app_name: "charge" });
    assert.deepEqual(e["api"], { operation: "secrets.get", service: { name: "Bulwark broker" } });
    assert.deepEqual(e["src_endpoint"], { svc_name: "charge" });
    assert.equal(e.status_id, 2);
  });

  it("maps an audit record to API Activity (6003) with actor, operation, target and sequence", () => {
    const e = toOcsf(audit, options);
    assertValid(e, 6003);
    assert.equal(e.activity_id, 4, "delete");
    assert.equal(e.metadata.uid, "audit-42");
    assert.equal(e.metadata["sequence"], 42);
    assert.deepEqual(e["actor"], { user: { uid: "alice", name: "alice", type_id: 1, type: "user" } });
    assert.deepEqual(e["resources"], [{ name: "PSP_API_KEY", type: "secret" }]);
    assert.equal(e.status_id, 1);
    assert.equal(e.severity_id, 1);
    assert.equal(toOcsf({ ...audit, outcome: "denied" }, options).severity_id, 3);
    assert.equal(toOcsf({ ...audit, action: "deploy" }, options).activity_id, 1);
  });

  it("takes the audit log's own records as they are (checked by the type checker) and exports their hash", () => {
    const record: AuditRecord = {
      seq: 5, time: "2025-02-03T04:05:06.000Z", actor: { type: "anonymous", id: "192.0.2.44" }, action: "auth.failure",
      target: "route:/charge", outcome: "failure", requestId: null, details: {}, prevHash: "00", hash: "ab".repeat(32),
    };
    const asExported: AuditRecordLike = record;
    const e = toOcsf(asExported, options);
    assertValid(e, 6003);
    assert.deepEqual(e["src_endpoint"], { ip: "192.0.2.44" });
    assert.deepEqual(e["actor"], { user: { uid: "192.0.2.44", name: "192.0.2.44", type_id: 0, type: "anonymous" } });
    assert.equal((e["unmapped"] as Record<string, unknown>)["record_hash"], "ab".repeat(32));
    assert.equal(e.status_id, 2);
  });

  it("maps every severity to its OCSF severity_id", () => {
    const ids: Record<Severity, number> = { info: 1, low: 2, medium: 3, high: 4, critical: 5 };
    for (const [severity, id] of Object.entries(ids)) assert.equal(toOcsf(event({ severity: severity as Severity }), options).severity_id, id);
  });

  it("puts only a well-formed address in an ip attribute (a forged X-Forwarded-For value is dropped)", () => {
    const e = toOcsf(event({ type: "auth.failure", clientIp: "1.2.3.4, <script>" }), options);
    assert.equal(e["src_endpoint"], undefined);
    assert.deepEqual(toOcsf(event({ type: "capability.denied", clientIp: "::ffff:x" }), options)["src_endpoint"], { svc_name: "charge" });
  });

  it("treats event types and actor types that name Object.prototype members as unknown", () => {
    for (const type of ["constructor", "__proto__", "toString"]) assertValid(toOcsf(event({ type }), options), 2004);
    const e = toOcsf({ ...audit, actor: { type: "constructor", id: "x" } }, options);
    assert.deepEqual(e["actor"], { user: { uid: "x", name: "x", type_id: 99, type: "constructor" } });
  });

  it("is deterministic, so a redelivery is an exact duplicate a SIEM can drop", () => {
    assert.deepEqual(toOcsf(event(), options), toOcsf(event(), options));
  });
});

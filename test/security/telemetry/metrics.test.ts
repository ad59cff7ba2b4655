import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { register } from "prom-client";
import type { SecurityEvent } from "../../../src/security/events.ts";
import { PlatformMetrics } from "../../../src/security/telemetry/metrics.ts";

function metrics() {
  return new PlatformMetrics({
    sandboxes: () => [{ stage: "prod", name: "charge", live: 3, idle: 1 }, { stage: "dev", name: "charge", live: 1, idle: 1 }],
    auditLength: () => 42,
    siemSinks: () => [{ name: "splunk", pending: 5, delivered: 7, overflowed: 0, dead: 0 }],
  });
}

function event(type: string, extra: Partial<SecurityEvent> = {}): SecurityEvent {
  return { id: crypto.randomUUID(), time: new Date().toISOString(), type, severity: "medium", reason: "test", ...extra };
}

describe("PlatformMetrics", () => {
  it("renders invocations, errors by code, cold starts and durations in the text format", async () => {
    const m = metrics();
    m.invoked({ function: "charge", stage: "prod", ok: true, code: null, cold: true, durationMs: 12 });
    m.invoked({ function: "charge", stage: "prod", ok: false, code: "BWK_TIMEOUT", cold: false, durationMs: 5000 });

    const text = await m.render();

    assert.match(text, /^bulwark_invocations_total\{function="charge",stage="prod",outcome="success"\} 1$/m);
    assert.match(text, /^bulwark_invocations_total\{function="charge",stage="prod",outcome="error"\} 1$/m);
    assert.match(text, /^bulwark_invocation_errors_total\{function="charge",stage="prod",code="BWK_TIMEOUT"\} 1$/m);
    assert.match(text, /^bulwark_cold_starts_total\{function="charge",stage="prod"\} 1$/m);
    assert.match(text, /^bulwark_invocation_duration_seconds_count\{function="charge",stage="prod"\} 2$/m);
    assert.match(m.contentType, /^text\/plain/);
  });

  it("reads gauges from their sources at scrape time", async () => {
    const text = await metrics().render();

    assert.match(text, /^bulwark_sandboxes\{function="charge",stage="prod",state="busy"\} 2$/m);
    assert.match(text, /^bulwark_sandboxes\{function="charge",stage="prod",state="idle"\} 1$/m);
    assert.match(text, /^bulwark_sandboxes\{function="charge",stage="dev",state="idle"\} 1$/m);
    assert.match(text, /^bulwark_audit_chain_length 42$/m);
    assert.match(text, /^bulwark_siem_pending\{sink="splunk"\} 5$/m);
  });

  it("counts broker calls and denials", async () => {
    const m = metrics();
    m.brokerCalled({ function: "charge", stage: "prod", op: "kv.get", outcome: "ok" });
    m.brokerCalled({ function: "charge", stage: "prod", op: "secrets.get", outcome: "denied" });

    const text = await m.render();

    assert.match(text, /^bulwark_broker_calls_total\{function="charge",stage="prod",op="secrets.get",outcome="denied"\} 1$/m);
    assert.match(text, /^bulwark_broker_denials_total\{function="charge",stage="prod",op="secrets.get"\} 1$/m);
  });

  it("keeps a dev function apart from the prod function of the same name, and each stage's edge apart", async () => {
    const m = metrics();
    m.invoked({ function: "charge", stage: "prod", ok: true, code: null, cold: false, durationMs: 1 });
    m.invoked({ function: "charge", stage: "dev", ok: false, code: "BWK_HANDLER_ERROR", cold: false, durationMs: 1 });
    m.brokerCalled({ function: "charge", stage: "dev", op: "kv.get", outcome: "denied" });
    m.edgeResponded({ stage: "prod", code: null, seconds: 0.01 });
    m.edgeResponded({ stage: "dev", code: "BWK_NOT_FOUND", seconds: 0.01 });

    const text = await m.render();

    assert.match(text, /^bulwark_invocations_total\{function="charge",stage="prod",outcome="success"\} 1$/m);
    assert.match(text, /^bulwark_invocations_total\{function="charge",stage="dev",outcome="error"\} 1$/m);
    assert.doesNotMatch(text, /^bulwark_broker_denials_total\{function="charge",stage="prod"/m);
    assert.match(text, /^bulwark_broker_denials_total\{function="charge",stage="dev",op="kv.get"\} 1$/m);
    assert.match(text, /^bulwark_http_responses_total\{stage="prod",code="ok"\} 1$/m);
    assert.match(text, /^bulwark_http_responses_total\{stage="dev",code="BWK_NOT_FOUND"\} 1$/m);
    assert.match(text, /^bulwark_http_request_duration_seconds_count\{stage="dev"\} 1$/m);
  });

  it("counts security events by type, WAF matches by rule and rate-limit refusals", async () => {
    const m = metrics();
    m.securityEvents([event("waf.match", { ruleId: "sqli-001" }), event("rate.limited"), event("rate.limited"), event("auth.failure")]);

    const text = await m.render();

    assert.match(text, /^bulwark_waf_matches_total\{rule="sqli-001"\} 1$/m);
    assert.match(text, /^bulwark_rate_limit_refusals_total 2$/m);
    assert.match(text, /^bulwark_security_events_total\{type="auth.failure",severity="medium"\} 1$/m);
  });

  it("counts every refusal a folded rate-limit event stands for", async () => {
    const m = metrics();
    m.securityEvents([event("rate.limited", { details: { limit: "perIp", suppressed: 41 } }), event("rate.limited", { details: { suppressed: "lots" } })]);
    assert.match(await m.render(), /^bulwark_rate_limit_refusals_total 43$/m);
  });

  it("attack: label values sent by clients cannot grow the scrape without bound", async () => {
    const m = metrics();
    for (let i = 0; i < 1_000; i++) m.brokerCalled({ function: "charge", stage: "prod", op: `op${i}`, outcome: "denied" });

    const text = await m.render();
    const series = text.split("\n").filter((l) => l.startsWith("bulwark_broker_calls_total{"));

    assert.ok(series.length <= 33, `${series.length} series`);
    assert.match(text, /op="other"/);
  });

  it("uses its own registry, never prom-client's global one", async () => {
    metrics().invoked({ function: "x", stage: "prod", ok: true, code: null, cold: false, durationMs: 1 });

    assert.doesNotMatch(await register.metrics(), /bulwark_/);
  });
});

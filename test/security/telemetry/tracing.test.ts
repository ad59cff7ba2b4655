import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ROOT_CONTEXT, trace } from "@opentelemetry/api";
import {
  NOOP_TRACER, contextFromTraceparent, createTracing, otlpUrl, parseTraceparent, traceIdOf, traceparentOf,
} from "../../../src/security/telemetry/tracing.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

describe("parseTraceparent (W3C Trace Context §3.2)", () => {
  it("reads a valid version-00 header", () => {
    assert.deepEqual(parseTraceparent(`00-${TRACE}-${SPAN}-01`), { traceId: TRACE, spanId: SPAN, traceFlags: 1, isRemote: true });
  });

  it("keeps only the sampled flag bit", () => {
    assert.equal(parseTraceparent(`00-${TRACE}-${SPAN}-ff`)?.traceFlags, 1);
  });

  it("accepts a later version with extra fields", () => {
    assert.equal(parseTraceparent(`01-${TRACE}-${SPAN}-00-whatever`)?.traceId, TRACE);
  });

  for (const [attack, value] of [
    ["all-zero trace id", `00-${"0".repeat(32)}-${SPAN}-01`],
    ["all-zero span id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["version ff", `ff-${TRACE}-${SPAN}-01`],
    ["upper-case hex", `00-${TRACE.toUpperCase()}-${SPAN}-01`],
    ["trailing data on version 00", `00-${TRACE}-${SPAN}-01-x`],
    ["a short trace id", `00-${TRACE.slice(1)}-${SPAN}-01`],
    ["an injected line break", `00-${TRACE}-${SPAN}-01\r\nx-evil: 1`],
    ["a huge header", `00-${TRACE}-${SPAN}-01-${"a".repeat(10_000)}`],
  ] as const) {
    it(`refuses ${attack}`, () => {
      assert.equal(parseTraceparent(value), undefined);
    });
  }

  it("refuses a repeated header (arrives as an array)", () => {
    assert.equal(parseTraceparent([`00-${TRACE}-${SPAN}-01`, `00-${TRACE}-${SPAN}-01`]), undefined);
  });
});

describe("traceparentOf / contextFromTraceparent", () => {
  it("round-trips a span context", () => {
    const ctx = contextFromTraceparent(`00-${TRACE}-${SPAN}-01`);

    assert.equal(traceparentOf(ctx), `00-${TRACE}-${SPAN}-01`);
    assert.equal(traceIdOf(ctx), TRACE);
  });

  it("gives nothing for a context without a span", () => {
    assert.equal(traceparentOf(ROOT_CONTEXT), undefined);
    assert.equal(traceIdOf(ROOT_CONTEXT), undefined);
    assert.equal(contextFromTraceparent("garbage"), ROOT_CONTEXT);
  });
});

describe("createTracing without --otlp", () => {
  const tracing = createTracing({ serviceName: "bulwark", serviceVersion: "test" });

  it("is the no-op tracer, and children keep the parent's ids", () => {
    const parent = contextFromTraceparent(`00-${TRACE}-${SPAN}-01`);
    const span = tracing.tracer.startSpan("child", undefined, parent);

    assert.equal(tracing.enabled, false);
    assert.equal(tracing.tracer, NOOP_TRACER);
    assert.equal(span.isRecording(), false);
    assert.equal(span.spanContext().traceId, TRACE);
  });

  it("adopts a caller's valid traceparent", () => {
    assert.equal(traceIdOf(tracing.incoming(`00-${TRACE}-${SPAN}-01`)), TRACE);
  });

  it("makes up a fresh trace id when the caller sent none or a bad one, for the logs", () => {
    const a = traceIdOf(tracing.incoming(undefined));
    const b = traceIdOf(tracing.incoming("00-bad"));

    assert.match(a ?? "", /^[0-9a-f]{32}$/);
    assert.match(b ?? "", /^[0-9a-f]{32}$/);
    assert.notEqual(a, b);
    assert.equal(trace.getSpanContext(tracing.incoming(undefined))?.traceFlags, 0);
  });
});

describe("otlpUrl", () => {
  it("accepts http and https endpoints", () => {
    assert.equal(otlpUrl("http://127.0.0.1:4318/v1/traces"), "http://127.0.0.1:4318/v1/traces");
  });

  for (const bad of ["file:///etc/passwd", "ftp://x/v1/traces", "not a url", "http://user:pw@collector/v1/traces"]) {
    it(`refuses ${bad}`, () => {
      assert.throws(() => otlpUrl(bad), { code: "BWK_USAGE" });
    });
  }
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SpanStatusCode } from "@opentelemetry/api";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { BulwarkError } from "../../src/core/errors.ts";
import { observeBrokerCall, observeInvocation, type InvokerTelemetry } from "../../src/invoker/observe.ts";
import { parseTraceparent, traceIdOf } from "../../src/security/telemetry/tracing.ts";

const CALLER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const OWNER = { function: "charge", version: 3 };

function recording() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const invoked: unknown[] = [];
  const broker: unknown[] = [];
  const telemetry: InvokerTelemetry = {
    tracer: provider.getTracer("test"),
    invoked: (s) => invoked.push(s),
    brokerCalled: (s) => broker.push(s),
  };
  return { exporter, telemetry, invoked, broker };
}

describe("observeInvocation", () => {
  it("makes the invocation span a child of the caller's traceparent and reports the sample", () => {
    const { exporter, telemetry, invoked } = recording();

    const observed = observeInvocation(telemetry, OWNER, "req-1", CALLER);
    observed.done(undefined, true);

    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.name, "invoke charge");
    assert.equal(span?.spanContext().traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert.equal(span?.parentSpanContext?.spanId, "00f067aa0ba902b7");
    assert.equal(span?.attributes["faas.coldstart"], true);
    assert.equal(traceIdOf(observed.context), "4bf92f3577b34da6a3ce929d0e0e4736");
    assert.deepEqual(invoked.map((s) => ({ ...(s as object), durationMs: 0 })), [
      { function: "charge", ok: true, code: null, cold: true, durationMs: 0 },
    ]);
  });

  it("marks a failed invocation with its error code", () => {
    const { exporter, telemetry, invoked } = recording();

    observeInvocation(telemetry, OWNER, "req-1", undefined).done(new BulwarkError("BWK_TIMEOUT", "late"), false);

    const [span] = exporter.getFinishedSpans();
    assert.equal(span?.status.code, SpanStatusCode.ERROR);
    assert.equal(span?.attributes["error.type"], "BWK_TIMEOUT");
    assert.equal((invoked[0] as { code: string }).code, "BWK_TIMEOUT");
  });

  it("without telemetry still carries the caller's trace for the logs", () => {
    assert.equal(traceIdOf(observeInvocation(undefined, OWNER, "req-1", CALLER).context), "4bf92f3577b34da6a3ce929d0e0e4736");
  });
});

describe("observeBrokerCall", () => {
  it("runs the call in a child span of the invocation and hands its traceparent on (ctx.invoke)", async () => {
    const { exporter, telemetry, broker } = recording();
    const invocation = observeInvocation(telemetry, OWNER, "req-1", CALLER);
    let handedOn: string | undefined;

    await observeBrokerCall(telemetry, OWNER, "invoke", invocation.context, async (traceparent) => {
      handedOn = traceparent;
      return null;
    });
    invocation.done(undefined, false);

    const [call, inv] = exporter.getFinishedSpans();
    assert.equal(call?.name, "broker invoke");
    assert.equal(call?.parentSpanContext?.spanId, inv?.spanContext().spanId);
    assert.equal(parseTraceparent(handedOn)?.spanId, call?.spanContext().spanId);
    assert.deepEqual(broker, [{ function: "charge", op: "invoke", outcome: "ok" }]);
  });

  it("counts a refusal as a denial and rethrows it", async () => {
    const { telemetry, broker } = recording();

    await assert.rejects(
      observeBrokerCall(telemetry, OWNER, "secrets.get", undefined, () => Promise.reject(new BulwarkError("BWK_PERMISSION_DENIED", "no"))),
      { code: "BWK_PERMISSION_DENIED" },
    );

    assert.deepEqual(broker, [{ function: "charge", op: "secrets.get", outcome: "denied" }]);
  });

  it("attack: an op name chosen by the sandbox does not reach span names as is", async () => {
    const { exporter, telemetry } = recording();

    await observeBrokerCall(telemetry, OWNER, "x".repeat(5_000), undefined, async () => null);

    assert.equal(exporter.getFinishedSpans()[0]?.name, "broker unknown");
  });
});

// What the invoker reports about its work: a span per invocation and per broker call (children of
// the caller's trace), and a sample per invocation and per broker call for the metrics. The
// trace context arrives and leaves as a W3C traceparent, so an invocation started by another
// function's ctx.invoke joins that function's trace.
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Context, type Span, type Tracer } from "@opentelemetry/api";
import { BulwarkError } from "../core/errors.ts";
import { contextFromTraceparent, traceparentOf } from "../security/telemetry/tracing.ts";
import type { SandboxOwner } from "./binding.ts";

export interface InvokerTelemetry {
  /** Absent with tracing off: the caller's trace context is passed on without spans of our own. */
  tracer?: Tracer;
  invoked(sample: { function: string; ok: boolean; code: string | null; cold: boolean; durationMs: number }): void;
  brokerCalled(sample: { function: string; op: string; outcome: "ok" | "denied" | "error" }): void;
}

export interface InvocationObservation {
  /** The invocation's trace context: parent of its broker calls, source of its logs' trace id. */
  readonly context: Context;
  done(error: unknown, cold: boolean): void;
}

export function observeInvocation(
  telemetry: InvokerTelemetry | undefined,
  owner: SandboxOwner,
  requestId: string,
  caller: Context | string | undefined,
): InvocationObservation {
  const parent = typeof caller === "object" ? caller : contextFromTraceparent(caller);
  if (telemetry === undefined) return { context: parent, done: () => {} };
  const span = telemetry.tracer?.startSpan(
    `invoke ${owner.function}`,
    { kind: SpanKind.INTERNAL, attributes: { "faas.name": owner.function, "faas.version": String(owner.version), "faas.invocation_id": requestId } },
    parent,
  );
  const started = performance.now();
  return {
    context: span === undefined ? parent : trace.setSpan(parent, span),
    done(error, cold) {
      const code = error === undefined ? null : codeOf(error);
      if (span !== undefined) {
        span.setAttribute("faas.coldstart", cold);
        end(span, code);
      }
      telemetry.invoked({ function: owner.function, ok: code === null, code, cold, durationMs: performance.now() - started });
    },
  };
}

/**
 * Runs one broker call inside its own span (with tracing on). `perform` gets the call span's
 * traceparent to hand on when the call starts another invocation (ctx.invoke).
 */
export async function observeBrokerCall<T>(
  telemetry: InvokerTelemetry | undefined,
  owner: SandboxOwner,
  op: string,
  parent: Context | undefined,
  perform: (traceparent: string | undefined) => Promise<T>,
): Promise<T> {
  if (telemetry === undefined) return perform(traceparentOf(parent));
  // The op name comes from the sandbox: only a short plain name goes into the span name and labels.
  const name = /^[a-z]{1,16}(\.[a-z]{1,16})?$/.test(op) ? op : "unknown";
  const span = telemetry.tracer?.startSpan(`broker ${name}`, { kind: SpanKind.CLIENT, attributes: { "faas.name": owner.function, "bulwark.broker.op": name } }, parent);
  let code: string | null = null;
  try {
    return await perform(traceparentOf(span === undefined ? parent : trace.setSpan(parent ?? ROOT_CONTEXT, span)));
  } catch (e) {
    code = codeOf(e);
    throw e;
  } finally {
    if (span !== undefined) end(span, code);
    telemetry.brokerCalled({ function: owner.function, op: name, outcome: code === null ? "ok" : code === "BWK_PERMISSION_DENIED" ? "denied" : "error" });
  }
}

function codeOf(error: unknown): string {
  return error instanceof BulwarkError ? error.code : "BWK_INTERNAL";
}

function end(span: Span, code: string | null): void {
  if (code !== null) {
    span.setAttribute("error.type", code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  }
  span.end();
}

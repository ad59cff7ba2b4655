// OpenTelemetry tracing for the platform: spans for the edge stages, each invocation and each
// broker call, exported over OTLP/HTTP (JSON) when an endpoint is configured. Without one the
// tracer is the API's no-op tracer: spans cost an object and carry the parent's ids, so trace ids
// still reach the logs and the functions a request calls, but nothing is recorded or sent.
//
// Context is passed explicitly (a Context value handed from caller to callee), never through a
// global context manager: several platforms may share a process (tests), and nothing is ambient.
// Between invocations it travels as a W3C traceparent header value (W3C Trace Context §3.2), the
// same form it would take between nodes.
import { randomUUID } from "node:crypto";
import {
  ProxyTracerProvider, ROOT_CONTEXT, TraceFlags, trace,
  type Context, type SpanContext, type Tracer,
} from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AlwaysOnSampler, BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { BulwarkError } from "../../core/errors.ts";

export interface TracingOptions {
  /** OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces; absent: the no-op tracer. */
  otlpUrl?: string;
  serviceName: string;
  serviceVersion: string;
  /** How long spans wait to be batched before export (default 1000 ms). */
  exportDelayMs?: number;
}

export interface Tracing {
  /** True when spans are recorded and exported. */
  readonly enabled: boolean;
  readonly tracer: Tracer;
  /**
   * The context a request starts in: the caller's trace when it sent a valid traceparent, else a
   * new trace id (so logs can always be correlated, even with tracing off).
   */
  incoming(traceparent: string | string[] | undefined): Context;
  /** Exports what is still buffered and stops the exporter. */
  shutdown(): Promise<void>;
}

const TRACER_NAME = "bulwark";

/**
 * The API's NoopTracer, from a provider of our own with no delegate: it stays a no-op whatever a
 * library may register globally in this process.
 */
export const NOOP_TRACER: Tracer = new ProxyTracerProvider().getTracer(TRACER_NAME);

export function createTracing(options: TracingOptions): Tracing {
  if (options.otlpUrl === undefined) {
    return { enabled: false, tracer: NOOP_TRACER, incoming: (h) => incomingContext(h, true), shutdown: () => Promise.resolve() };
  }
  const url = otlpUrl(options.otlpUrl);
  const provider = new TracerProvider({
    // Every request is traced: a client's traceparent is adopted as the parent, but its "not
    // sampled" flag cannot switch tracing off for its own requests.
    sampler: new AlwaysOnSampler(),
    // Attribute values come partly from clients (the path): bounded, so one request cannot bloat an export.
    spanLimits: { attributeValueLengthLimit: 1024, attributeCountLimit: 64 },
    resource: resourceFromAttributes({ "service.name": options.serviceName, "service.version": options.serviceVersion }),
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url, timeoutMillis: 10_000 }),
        scheduledDelayMillis: options.exportDelayMs ?? 1_000,
        // Spans beyond this are dropped while the collector is slow: tracing never holds requests.
        maxQueueSize: 8_192,
        maxExportBatchSize: 512,
      }),
    ],
  });
  return {
    enabled: true,
    tracer: provider.getTracer(TRACER_NAME, options.serviceVersion),
    incoming: (h) => incomingContext(h, false),
    shutdown: async () => {
      try {
        await provider.shutdown();
      } catch {
        // The collector is gone: the spans are lost, the platform still stops.
      }
    },
  };
}

/** Validates an --otlp URL where it enters: http(s), no credentials in it. */
export function otlpUrl(value: string): string {
  if (!URL.canParse(value)) throw new BulwarkError("BWK_USAGE", `--otlp must be an http:// or https:// URL, got "${value.slice(0, 200)}"`);
  const url = new URL(value);
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new BulwarkError("BWK_USAGE", "--otlp must be an http:// or https:// URL (OTLP/HTTP)");
  }
  if (url.username !== "" || url.password !== "") throw new BulwarkError("BWK_USAGE", "--otlp must not carry credentials");
  return url.href;
}

// W3C Trace Context §3.2: version "-" trace-id "-" parent-id "-" trace-flags, lowercase hex.
// Version ff is invalid; a later version may append fields after a "-" (§3.2.4.1).
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZERO_TRACE = "0".repeat(32);
const ZERO_SPAN = "0".repeat(16);

/** The remote span context a traceparent names, or undefined when it is not a valid one. */
export function parseTraceparent(value: string | string[] | undefined): SpanContext | undefined {
  // §3.2: more than one traceparent header is invalid.
  if (typeof value !== "string" || value.length > 512) return undefined;
  const m = TRACEPARENT.exec(value.trim());
  if (m === null) return undefined;
  const [version, traceId, spanId, flags] = [m[1]!, m[2]!, m[3]!, m[4]!];
  if (version === "ff" || (version === "00" && m[5] !== undefined)) return undefined;
  if (traceId === ZERO_TRACE || spanId === ZERO_SPAN) return undefined;
  // Only the sampled bit is defined; the others are kept out (§3.2.2.5).
  return { traceId, spanId, traceFlags: Number.parseInt(flags, 16) & TraceFlags.SAMPLED, isRemote: true };
}

/** The W3C traceparent header value of the span in `ctx`, or undefined if it has none. */
export function traceparentOf(ctx: Context | undefined): string | undefined {
  const sc = ctx === undefined ? undefined : trace.getSpanContext(ctx);
  if (sc === undefined || sc.traceId === ZERO_TRACE || sc.spanId === ZERO_SPAN) return undefined;
  return `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & TraceFlags.SAMPLED) === 0 ? "00" : "01"}`;
}

/** A context whose parent is the span a traceparent names; the root context if it names none. */
export function contextFromTraceparent(traceparent: string | undefined): Context {
  const sc = parseTraceparent(traceparent);
  return sc === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, sc);
}

/** The trace id of the span in `ctx` (32 hex digits), or undefined. */
export function traceIdOf(ctx: Context | undefined): string | undefined {
  const id = ctx === undefined ? undefined : trace.getSpanContext(ctx)?.traceId;
  return id === undefined || id === ZERO_TRACE ? undefined : id;
}

function incomingContext(header: string | string[] | undefined, makeUp: boolean): Context {
  const remote = parseTraceparent(header);
  if (remote !== undefined) return trace.setSpanContext(ROOT_CONTEXT, remote);
  if (!makeUp) return ROOT_CONTEXT;
  // Tracing is off: a non-recording parent with a fresh id, only so it can be logged and passed
  // on. randomUUID draws from a cached entropy pool: far cheaper per request than randomBytes.
  const id = randomUUID().replaceAll("-", "");
  return trace.setSpanContext(ROOT_CONTEXT, { traceId: id, spanId: id.slice(16), traceFlags: TraceFlags.NONE });
}

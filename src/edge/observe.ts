// What the edge reports about each request: a server span with one child span per pipeline stage
// (OpenTelemetry HTTP semantic conventions), and the outcome for the metrics. With tracing off
// the stages run bare and the request still gets a trace id for its logs and callees.
import { SpanKind, SpanStatusCode, trace, type Context, type Span } from "@opentelemetry/api";
import type { Tracing } from "../security/telemetry/tracing.ts";
import type { EdgeDeps, Exchange, Stage } from "./exchange.ts";

export interface EdgeObserver {
  tracing: Tracing;
  /** Once per request: the problem code it was refused with (null for a function's answer). */
  responded(r: { code: string | null; seconds: number }): void;
}

export class RequestObservation {
  readonly #observer: EdgeObserver;
  readonly #x: Exchange;
  /** The server span; none with tracing off, where a no-op span would only cost allocations. */
  readonly #span: Span | undefined;
  readonly #context: Context;
  readonly #started = performance.now();

  constructor(observer: EdgeObserver, x: Exchange) {
    this.#observer = observer;
    this.#x = x;
    const parent = observer.tracing.incoming(x.req.headers.traceparent);
    if (observer.tracing.enabled) {
      this.#span = observer.tracing.tracer.startSpan(
        x.method,
        { kind: SpanKind.SERVER, attributes: { "http.request.method": x.method, "url.path": x.rawPath } },
        parent,
      );
      this.#context = trace.setSpan(parent, this.#span);
    } else {
      this.#context = parent;
    }
    x.trace = this.#context;
  }

  get traceId(): string | undefined {
    return trace.getSpanContext(this.#context)?.traceId;
  }

  /** Runs one stage, in a span of its own when tracing is on. */
  stage(stage: Stage, deps: EdgeDeps): void | Promise<void> {
    if (!this.#observer.tracing.enabled) return stage(this.#x, deps);
    return this.#traced(stage, deps);
  }

  async #traced(stage: Stage, deps: EdgeDeps): Promise<void> {
    const span = this.#observer.tracing.tracer.startSpan(`edge.${stage.name}`, undefined, this.#context);
    this.#x.trace = trace.setSpan(this.#context, span);
    try {
      await stage(this.#x, deps);
    } catch (e) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw e;
    } finally {
      span.end();
      this.#x.trace = this.#context;
    }
  }

  end(status: number, code: string | null): void {
    const span = this.#span;
    if (span !== undefined) {
      const route = this.#x.route;
      if (route !== undefined) {
        span.updateName(route.routeKey);
        span.setAttribute("http.route", route.trigger.path);
      }
      span.setAttribute("http.response.status_code", status);
      // HTTP semconv: a server span is an error for 5xx only; a 4xx is the client's.
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, message: code ?? undefined });
      if (code !== null) span.setAttribute("error.type", code);
      span.end();
    }
    this.#observer.responded({ code, seconds: (performance.now() - this.#started) / 1000 });
  }
}

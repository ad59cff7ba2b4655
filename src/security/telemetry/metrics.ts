// The platform's Prometheus metrics, in a registry of its own (never prom-client's global one):
// served as text format on the admin listener only. Counters are fed by the invoker, the edge and
// the security event stream; gauges read their sources when scraped.
//
// Every series about functions or the public edge carries the stage (dev or prod): each stage has
// its own functions and edge, and a dev function must not hide in, or inflate, prod's numbers.
//
// Label values come partly from what functions and clients send (broker op names, event types,
// rule ids): each label keeps at most a fixed number of distinct values and folds the rest into
// "other", so nobody can grow the scrape without bound (CWE-400).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { SecurityEvent } from "../events.ts";

/** The platform's stage a function or edge sample belongs to (dev or prod), never a client's value. */
interface StageLabel {
  stage: string;
}

export interface MetricsSources {
  /** Sandboxes per serving function of each stage, read at scrape time. */
  sandboxes(): ReadonlyArray<StageLabel & { name: string; live: number; idle: number }>;
  /** Records in the audit chain. */
  auditLength(): number;
  /** Per SIEM sink: what waits, what was delivered, what could not be stored. */
  siemSinks(): ReadonlyArray<{ name: string; pending: number; delivered: number; overflowed: number; dead: number }>;
}

export interface InvocationSample extends StageLabel {
  function: string;
  ok: boolean;
  /** The BWK_* code it failed with; null when it succeeded. */
  code: string | null;
  cold: boolean;
  durationMs: number;
}

export type BrokerOutcome = "ok" | "denied" | "error";

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

export class PlatformMetrics {
  readonly registry = new Registry();
  readonly #labels = {
    function: new BoundedLabel(1_000),
    op: new BoundedLabel(32),
    code: new BoundedLabel(128),
    type: new BoundedLabel(128),
    rule: new BoundedLabel(512),
  };
  readonly #invocations: Counter<"function" | "stage" | "outcome">;
  readonly #errors: Counter<"function" | "stage" | "code">;
  readonly #duration: Histogram<"function" | "stage">;
  readonly #coldStarts: Counter<"function" | "stage">;
  readonly #brokerCalls: Counter<"function" | "stage" | "op" | "outcome">;
  readonly #brokerDenials: Counter<"function" | "stage" | "op">;
  readonly #securityEvents: Counter<"type" | "severity">;
  readonly #wafMatches: Counter<"rule">;
  readonly #rateLimited: Counter;
  readonly #edgeResponses: Counter<"stage" | "code">;
  readonly #edgeDuration: Histogram<"stage">;

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#invocations = new Counter({
      name: "bulwark_invocations_total", help: "Function invocations by outcome (success or error).",
      labelNames: ["function", "stage", "outcome"], registers,
    });
    this.#errors = new Counter({
      name: "bulwark_invocation_errors_total", help: "Failed invocations by function and error code.",
      labelNames: ["function", "stage", "code"], registers,
    });
    this.#duration = new Histogram({
      name: "bulwark_invocation_duration_seconds", help: "Invocation duration, from taking a sandbox to the result.",
      labelNames: ["function", "stage"], buckets: DURATION_BUCKETS, registers,
    });
    this.#coldStarts = new Counter({
      name: "bulwark_cold_starts_total", help: "Invocations that had to load the function into a sandbox first.",
      labelNames: ["function", "stage"], registers,
    });
    this.#brokerCalls = new Counter({
      name: "bulwark_broker_calls_total", help: "Capability calls from functions to the broker, by op and outcome (ok, denied, error).",
      labelNames: ["function", "stage", "op", "outcome"], registers,
    });
    this.#brokerDenials = new Counter({
      name: "bulwark_broker_denials_total", help: "Capability calls the broker refused (no grant).",
      labelNames: ["function", "stage", "op"], registers,
    });
    this.#securityEvents = new Counter({
      name: "bulwark_security_events_total", help: "Security events recorded, by type and severity.",
      labelNames: ["type", "severity"], registers,
    });
    this.#wafMatches = new Counter({ name: "bulwark_waf_matches_total", help: "Requests a WAF rule matched, by rule.", labelNames: ["rule"], registers });
    this.#rateLimited = new Counter({ name: "bulwark_rate_limit_refusals_total", help: "Requests refused by a rate limit.", registers });
    this.#edgeResponses = new Counter({
      name: "bulwark_http_responses_total", help: "Public edge responses by stage and problem code (\"ok\" for a function's own answer).",
      labelNames: ["stage", "code"], registers,
    });
    this.#edgeDuration = new Histogram({
      name: "bulwark_http_request_duration_seconds", help: "Time from a request's arrival at a stage's edge to its response.",
      labelNames: ["stage"], buckets: DURATION_BUCKETS, registers,
    });
    const fnLabel = this.#labels.function;
    new Gauge({
      name: "bulwark_sandboxes", help: "Live sandboxes per serving function and stage, by state (busy or idle).",
      labelNames: ["function", "stage", "state"], registers,
      collect() {
        this.reset();
        for (const s of sources.sandboxes()) {
          const labels = { function: fnLabel.of(s.name), stage: s.stage };
          this.inc({ ...labels, state: "idle" }, s.idle);
          this.inc({ ...labels, state: "busy" }, Math.max(0, s.live - s.idle));
        }
      },
    });
    new Gauge({
      name: "bulwark_audit_chain_length", help: "Records in the hash-chained audit log.", registers,
      collect() {
        this.set(sources.auditLength());
      },
    });
    const siem = (name: string, help: string, pick: (s: ReturnType<MetricsSources["siemSinks"]>[number]) => number) =>
      new Gauge({
        name, help, labelNames: ["sink"], registers,
        collect() {
          this.reset();
          for (const s of sources.siemSinks()) this.set({ sink: s.name }, pick(s));
        },
      });
    siem("bulwark_siem_pending", "Items waiting in the SIEM outbox, per sink.", (s) => s.pending);
    siem("bulwark_siem_delivered", "Items delivered to each SIEM sink since it was added.", (s) => s.delivered);
    siem("bulwark_siem_overflowed", "Items refused because a sink's outbox was full.", (s) => s.overflowed);
    siem("bulwark_siem_dead", "Outbox rows that could not be read back (corrupt).", (s) => s.dead);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  invoked(s: InvocationSample): void {
    const labels = { function: this.#labels.function.of(s.function), stage: s.stage };
    this.#invocations.inc({ ...labels, outcome: s.ok ? "success" : "error" });
    if (!s.ok) this.#errors.inc({ ...labels, code: this.#labels.code.of(s.code ?? "BWK_INTERNAL") });
    if (s.cold) this.#coldStarts.inc(labels);
    this.#duration.observe(labels, s.durationMs / 1000);
  }

  brokerCalled(c: StageLabel & { function: string; op: string; outcome: BrokerOutcome }): void {
    const labels = { function: this.#labels.function.of(c.function), stage: c.stage, op: this.#labels.op.of(c.op) };
    this.#brokerCalls.inc({ ...labels, outcome: c.outcome });
    if (c.outcome === "denied") this.#brokerDenials.inc(labels);
  }

  /** Subscribed to the security event recorder: WAF and rate-limit counts appear as those stages record events. */
  securityEvents(batch: readonly SecurityEvent[]): void {
    for (const e of batch) {
      this.#securityEvents.inc({ type: this.#labels.type.of(e.type), severity: e.severity });
      if (e.type.startsWith("waf.")) this.#wafMatches.inc({ rule: this.#labels.rule.of(e.ruleId ?? "unknown") });
      // A flood of refusals is a few events per window, each carrying how many it stands for (core/repeat-sampler.ts).
      else if (e.type.startsWith("rate.")) this.#rateLimited.inc(1 + suppressedOf(e));
    }
  }

  edgeResponded(r: StageLabel & { code: string | null; seconds: number }): void {
    this.#edgeResponses.inc({ stage: r.stage, code: r.code === null ? "ok" : this.#labels.code.of(r.code) });
    this.#edgeDuration.observe({ stage: r.stage }, r.seconds);
  }
}

/** Keeps the first `max` distinct values of a label; later new ones are reported as "other". */
class BoundedLabel {
  readonly #seen = new Set<string>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  of(value: string): string {
    if (this.#seen.has(value)) return value;
    if (this.#seen.size >= this.#max || value.length > 128) return "other";
    this.#seen.add(value);
    return value;
  }
}

function suppressedOf(e: SecurityEvent): number {
  const n = e.details?.["suppressed"];
  return typeof n === "number" && Number.isSafeInteger(n) && n > 0 ? n : 0;
}

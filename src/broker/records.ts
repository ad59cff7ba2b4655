// What the broker leaves behind: security events for refusals and tampering, and audit records
// with the function as the actor. Secret reads are audited durably before the value is handed
// out (a sensitive read, DESIGN.md; reads that arrive together share a commit, group-commit.ts);
// refusals are high-volume under attack, so their audit records are batched off the call path,
// like security events, and written at once past a bound.
import type { Logger } from "pino";
import { RepeatSampler } from "../core/repeat-sampler.ts";
import type { AuditEntry, AuditLog } from "../security/audit/index.ts";
import type { Severity } from "../security/events.ts";
import type { SecurityEventRecorder } from "../security/recorder.ts";
import { GroupCommit } from "./group-commit.ts";

export interface CallOwner {
  function: string;
  version: number;
  tenant?: string;
}

export interface Refusal {
  owner: CallOwner;
  requestId: string | null;
  action: string;
  resource: string;
  /** core/policy DenyReason, or an egress reason (blocked-address, plaintext-http), or no-invocation. */
  reason: string;
  /** The grant that would allow the call, as manifest YAML. */
  missing?: string;
  message: string;
}

const MAX_PENDING_AUDIT = 1_000;
const TRAVERSAL_RULES: ReadonlySet<string> = new Set([
  "leading-slash", "backslash", "drive-letter", "dot-segment", "encoded-traversal", "malformed-encoding", "empty-segment",
]);

export class BrokerRecords {
  readonly #events: Pick<SecurityEventRecorder, "record">;
  readonly #audit: Pick<AuditLog, "appendBatch">;
  readonly #log: Logger | undefined;
  readonly #durable: GroupCommit;
  /** Writes into a full namespace come in floods: a few events per window (core/repeat-sampler.ts). */
  readonly #quotaRepeats = new RepeatSampler();
  #pending: AuditEntry[] = [];
  #scheduled = false;

  constructor(events: Pick<SecurityEventRecorder, "record">, audit: Pick<AuditLog, "appendBatch">, log?: Logger) {
    this.#events = events;
    this.#audit = audit;
    this.#durable = new GroupCommit(audit);
    this.#log = log;
  }

  /** A refused capability call: `capability.denied`, or `egress.blocked` for an address refusal. */
  refused(r: Refusal): void {
    const egress = r.reason === "blocked-address" || r.reason === "plaintext-http";
    const details = {
      action: r.action,
      resource: r.resource,
      denyReason: r.reason,
      version: r.owner.version,
      ...(r.missing === undefined ? {} : { missing: r.missing }),
      ...(r.owner.tenant === undefined ? {} : { tenant: r.owner.tenant }),
    };
    const severity: Severity = r.reason === "blocked-address" ? "high" : "medium";
    this.#events.record({
      type: egress ? "egress.blocked" : "capability.denied",
      severity,
      function: r.owner.function,
      reason: r.message,
      ...(r.requestId === null ? {} : { requestId: r.requestId }),
      details,
    });
    this.#queueAudit({
      actor: { type: "function", id: r.owner.function },
      action: egress ? "egress.blocked" : "capability.denied",
      target: `${r.action}:${r.resource}`,
      outcome: "denied",
      requestId: r.requestId,
      details,
    });
  }

  /** A stored value that failed authentication: a swapped or edited row, or a foreign key. */
  tampered(owner: CallOwner, requestId: string | null, action: string, resource: string): void {
    const details = { action, resource, version: owner.version };
    this.#events.record({
      type: "data.tampered",
      severity: "high",
      function: owner.function,
      reason: `a stored value for ${action} on ${resource} failed its integrity check`,
      ...(requestId === null ? {} : { requestId }),
      details,
    });
    this.#queueAudit({ actor: { type: "function", id: owner.function }, action: "data.tampered", target: `${action}:${resource}`, outcome: "failure", requestId, details });
  }

  /**
   * A KV or object key core/keys.ts refused. Traversal spellings (`../`, absolute, encoded) are
   * an attack on the object store's paths (CWE-22): high; other malformed keys are low.
   */
  keyRefused(owner: CallOwner, requestId: string | null, action: string, resource: string, rule: string): void {
    const traversal = TRAVERSAL_RULES.has(rule);
    const details = { action, resource, rule, version: owner.version };
    this.#events.record({
      type: "broker.key_refused",
      severity: traversal ? "high" : "low",
      function: owner.function,
      reason: `${action} on ${resource} with a key refused by rule ${rule}${traversal ? " (path traversal)" : ""}`,
      ...(requestId === null ? {} : { requestId }),
      details,
    });
    if (traversal) {
      this.#queueAudit({ actor: { type: "function", id: owner.function }, action: "broker.key_refused", target: `${action}:${resource}`, outcome: "denied", requestId, details });
    }
  }

  /**
   * A ctx.invoke refused for nesting too deep: a function chain that calls itself (A→B→A→…), by a
   * bug or to hold the platform's sandboxes (CWE-674).
   */
  invokeTooDeep(owner: CallOwner, requestId: string | null, callee: string, depth: number, limit: number): void {
    const details = { callee, depth, limit, version: owner.version };
    this.#events.record({
      type: "invoke.depth_exceeded",
      severity: "medium",
      function: owner.function,
      reason: `calling ${callee} would nest function calls ${depth} deep; the limit is ${limit}`,
      ...(requestId === null ? {} : { requestId }),
      details,
    });
    this.#queueAudit({ actor: { type: "function", id: owner.function }, action: "invoke.depth_exceeded", target: `invoke:${callee}`, outcome: "denied", requestId, details });
  }

  /**
   * A KV or object write refused by a quota (store/sqlite/usage.ts `extra`): a partition or a whole
   * namespace full, or a namespace holding its limit of tenants' partitions, the sign of a caller
   * inventing tenants to multiply its quota (CWE-770). The tenant is left out of the fold's key:
   * made-up tenants must not each be an event of their own.
   */
  quotaExceeded(owner: CallOwner, requestId: string | null, action: string, resource: string, quota: Record<string, unknown>, now = Date.now()): void {
    const key = `${owner.function}|${action}|${resource}|${String(quota["quota"])}|${String(quota["scope"])}`;
    this.#quotaRepeats.admit(key, now, (suppressed) =>
      this.#events.record({
        type: "broker.quota_exceeded",
        severity: quota["scope"] === "partition" ? "low" : "medium",
        function: owner.function,
        reason: `${action} on ${resource} refused: ${String(quota["scope"])} ${String(quota["quota"])} quota of ${String(quota["limit"])}`,
        ...(requestId === null ? {} : { requestId }),
        details: {
          action,
          resource,
          quota: quota["quota"],
          scope: quota["scope"],
          limit: quota["limit"],
          version: owner.version,
          ...(owner.tenant === undefined ? {} : { tenant: owner.tenant }),
          ...(suppressed === 0 ? {} : { suppressed }),
        },
      }),
    );
  }

  /** A TLS verification failure on egress: a misconfigured peer, or someone in the middle. */
  tlsFailed(owner: CallOwner, requestId: string | null, resource: string, code: string): void {
    this.#events.record({
      type: "egress.tls_failed",
      severity: "medium",
      function: owner.function,
      reason: `TLS verification of ${resource} failed (${code})`,
      ...(requestId === null ? {} : { requestId }),
      details: { resource, code },
    });
  }

  /** Durable when it resolves: the caller hands the value out only after that (group-commit.ts). */
  secretRead(owner: CallOwner, requestId: string | null, name: string, version: number): Promise<void> {
    return this.#durable.append({
      actor: { type: "function", id: owner.function },
      action: "secret.read",
      target: `secret:${name}`,
      outcome: "success",
      requestId,
      details: { version, functionVersion: owner.version, ...(owner.tenant === undefined ? {} : { tenant: owner.tenant }) },
    });
  }

  /** At the platform's stop: the quota refusals still folded are recorded, and the batch written. */
  close(): void {
    this.#quotaRepeats.flush();
    this.flush();
  }

  flush(): void {
    this.#durable.flush();
    this.#scheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    try {
      this.#audit.appendBatch(batch);
    } catch (e) {
      this.#log?.error({ err: e instanceof Error ? e.message : String(e), records: batch.length }, "broker audit records could not be written");
    }
  }

  #queueAudit(entry: AuditEntry): void {
    this.#pending.push(entry);
    if (this.#pending.length >= MAX_PENDING_AUDIT) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }
}

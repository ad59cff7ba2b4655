// The capability broker: the one place a function's `ctx.*` calls are decided and performed.
// Who is calling comes from the sandbox the call arrived on (the invoker's binding), never from
// the call's arguments; every call is evaluated against the caller's compiled policy (default
// deny), performed on the resource the policy returned (tenant partition included), counted for
// `policy suggest`, and refusals become security events and audit records.
import type { Logger } from "pino";
import { BulwarkError } from "../core/errors.ts";
import { type Action, egressResource, evaluate, type Policy } from "../core/policy/index.ts";
import type { WireRequest } from "../sandbox/protocol.ts";
import type { CallRecorder } from "./call-log.ts";
import { type LookupAll, MAX_URL_LENGTH, parseEgressUrl, resolveAndCheck } from "./egress/address.ts";
import { type EgressOptions, performFetch } from "./egress/fetch.ts";
import type { KvService } from "./kv.ts";
import type { ObjectService } from "./objects.ts";
import type { CompiledFunction, PolicyTable } from "./policies.ts";
import type { ReadSecrets } from "./read-secrets.ts";
import type { BrokerRecords, CallOwner } from "./records.ts";
import type { SecretService } from "./secrets.ts";
import type { FunctionCalls } from "./workload/calls.ts";

export interface BrokerCall {
  owner: CallOwner;
  /** The invocation running in that sandbox when the call arrived; null outside one. */
  invocationId: string | null;
  /** Epoch ms at which that invocation's sandbox is killed: nothing the call starts runs past it. */
  deadline: number;
  /** ctx.invoke hops that led to that invocation: 0 when the edge, a trigger or the CLI started it. */
  depth: number;
  op: string;
  args: unknown[];
  /** W3C traceparent of the call's span: ctx.invoke passes it on so the callee joins the trace. */
  traceparent?: string;
}

export interface BrokerDeps {
  policies: PolicyTable;
  secrets: SecretService;
  kv: KvService;
  objects: ObjectService;
  calls: FunctionCalls;
  egress: EgressOptions & { lookup?: LookupAll };
  recorder: CallRecorder;
  records: BrokerRecords;
  readSecrets: ReadSecrets;
  log?: Logger;
}

/** Broker ops (protocol.ts BrokerOps) and the policy action each one is. */
const OPS: Readonly<Record<string, Action>> = {
  "secrets.get": "secrets.get",
  "kv.get": "kv.get",
  "kv.put": "kv.put",
  "kv.delete": "kv.delete",
  "kv.list": "kv.list",
  "objects.get": "objects.get",
  "objects.put": "objects.put",
  "objects.delete": "objects.delete",
  "objects.list": "objects.list",
  fetch: "egress",
  invoke: "invoke",
};

/** Arguments each op takes; anything else is malformed (the runtime never sends it). */
const ARITY: Readonly<Record<string, number>> = {
  "secrets.get": 1, "kv.get": 2, "kv.put": 3, "kv.delete": 2, "kv.list": 2,
  "objects.get": 2, "objects.put": 3, "objects.delete": 2, "objects.list": 2, fetch: 1, invoke: 2,
};

export class Broker {
  readonly #deps: BrokerDeps;

  constructor(deps: BrokerDeps) {
    this.#deps = deps;
  }

  async handle(call: BrokerCall): Promise<unknown> {
    const { owner, invocationId, op, args } = call;
    const action = Object.hasOwn(OPS, op) ? OPS[op] : undefined;
    if (action === undefined || !Array.isArray(args) || args.length !== ARITY[op]) {
      return this.#refuse(call, String(op).slice(0, 64), "", "unknown-action", `${owner.function} called ${JSON.stringify(String(op).slice(0, 64))}, which is not a broker operation`);
    }
    if (invocationId === null) {
      // Work left running after the handler returned (or before it started) is not attributable
      // to any request; under tenant isolation it could outlive its request's authorization.
      return this.#refuse(call, action, resourceOf(action, args), "no-invocation", `${owner.function} called ${action} outside an invocation`);
    }
    const compiled = this.#deps.policies.lookup(owner.function, owner.version);
    const policy = compiled === undefined ? undefined : this.#deps.policies.policyFor(compiled, owner.tenant);
    if (compiled === undefined || policy === undefined) {
      const reason = compiled === undefined ? "unknown-function" : "tenant-required";
      return this.#refuse(call, action, resourceOf(action, args), reason, `${owner.function} has no policy that serves this call (${reason})`);
    }
    if (action === "egress") return this.#fetch(call, compiled, policy);
    return this.#perform(call, action, policy, invocationId);
  }

  async #perform(call: BrokerCall, action: Exclude<Action, "egress">, policy: Policy, requestId: string): Promise<unknown> {
    const { owner, args } = call;
    const requested = typeof args[0] === "string" ? args[0] : "";
    const decision = evaluate(policy, { action, resource: requested, ...(owner.tenant === undefined ? {} : { tenant: owner.tenant }) });
    this.#deps.recorder.record(owner.function, action, requested, decision.allowed);
    if (!decision.allowed) {
      return this.#refuse(call, action, requested, decision.reason, decision.message, decision.reason === "not-granted" ? decision.missing : undefined, false);
    }
    const { resource } = decision;
    return this.#guard(call, action, requested, async () => {
      const d = this.#deps;
      switch (action) {
        case "secrets.get": {
          const { value, version } = d.secrets.read(resource);
          await d.records.secretRead(owner, requestId, resource, version);
          d.readSecrets.add(value);
          return value;
        }
        case "kv.get": return d.kv.get(resource, args[1]);
        case "kv.put": return d.kv.put(resource, args[1], args[2]);
        case "kv.delete": return d.kv.delete(resource, args[1]);
        case "kv.list": return d.kv.list(resource, args[1]);
        case "objects.get": return d.objects.get(resource, args[1]);
        case "objects.put": return d.objects.put(resource, args[1], args[2]);
        case "objects.delete": return d.objects.delete(resource, args[1]);
        case "objects.list": return d.objects.list(resource, args[1]);
        case "invoke": {
          const claims = { caller: owner.function, callee: resource, ...(owner.tenant === undefined ? {} : { tenant: owner.tenant }) };
          const from = { requestId, depth: call.depth, deadline: call.deadline, ...(call.traceparent === undefined ? {} : { traceparent: call.traceparent }) };
          return d.calls.call(claims, args[1], from);
        }
      }
    });
  }

  async #fetch(call: BrokerCall, compiled: CompiledFunction, policy: Policy): Promise<unknown> {
    const { owner } = call;
    const request = wireRequest(call.args[0]);
    // The policy decides first, on `host:port` exactly as WHATWG URL normalizes it (2130706433
    // is 127.0.0.1); address.ts then refuses what a grant cannot make safe (plain http to a
    // name, credentials in the URL) and checks where the name resolves.
    const resource = requestedResource(request.url);
    const decision = evaluate(policy, { action: "egress", resource, ...(owner.tenant === undefined ? {} : { tenant: owner.tenant }) });
    this.#deps.recorder.record(owner.function, "egress", resource, decision.allowed);
    if (!decision.allowed) {
      return this.#refuse(call, "egress", resource, decision.reason, decision.message, decision.reason === "not-granted" ? decision.missing : undefined, false);
    }
    let parsed;
    try {
      parsed = parseEgressUrl(request.url, compiled.egress);
    } catch (e) {
      return this.#egressRefusal(call, e, resource);
    }
    let target;
    try {
      target = { ...parsed, ...(await resolveAndCheck(parsed.host, parsed.port, compiled.egress, this.#deps.egress.lookup)) };
    } catch (e) {
      return this.#egressRefusal(call, e, parsed.resource);
    }
    try {
      // performFetch waits min(the egress limit, what is left of the invocation).
      return await performFetch(request, target, this.#deps.egress, call.deadline);
    } catch (e) {
      if (e instanceof BulwarkError && e.extra["tls"] === true) {
        this.#deps.records.tlsFailed(owner, call.invocationId, parsed.resource, String(e.extra["reason"]));
      }
      throw e;
    }
  }

  /** address.ts refusals (plain http, blocked address) are recorded; malformed URLs are just errors. */
  #egressRefusal(call: BrokerCall, e: unknown, resource: string): never {
    if (e instanceof BulwarkError && e.code === "BWK_PERMISSION_DENIED") {
      // The call was counted as allowed by the policy; the refusal is the address's.
      this.#refuse(call, "egress", resource, String(e.extra["reason"] ?? "not-granted"), e.message, undefined, false);
    }
    throw e;
  }

  /** Performs a call; a value that fails to open is reported as tampering, with a bare message. */
  async #guard<T>(call: BrokerCall, action: string, resource: string, work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (e) {
      if (e instanceof BulwarkError && e.code === "BWK_DECRYPT_FAILED") {
        this.#deps.records.tampered(call.owner, call.invocationId, action, resource);
        throw new BulwarkError("BWK_DECRYPT_FAILED", `the stored value for ${action} on ${resource} failed its integrity check`);
      }
      if (e instanceof BulwarkError && e.code === "BWK_INVALID_ARGUMENT" && typeof e.extra["rule"] === "string") {
        this.#deps.records.keyRefused(call.owner, call.invocationId, action, resource, e.extra["rule"]);
      }
      if (e instanceof BulwarkError && e.code === "BWK_LIMIT_EXCEEDED" && e.extra["reason"] === "quota") {
        this.#deps.records.quotaExceeded(call.owner, call.invocationId, action, resource, e.extra);
      }
      if (e instanceof BulwarkError && e.code === "BWK_LIMIT_EXCEEDED" && e.extra["reason"] === "invoke-depth") {
        this.#deps.records.invokeTooDeep(call.owner, call.invocationId, resource, Number(e.extra["depth"]), Number(e.extra["limit"]));
      }
      if (!(e instanceof BulwarkError)) this.#deps.log?.error({ err: e instanceof Error ? e.message : String(e), action }, "broker call failed");
      throw e;
    }
  }

  #refuse(
    call: BrokerCall,
    action: string,
    resource: string,
    reason: string,
    message: string,
    missing?: string,
    count = true,
  ): never {
    if (count) this.#deps.recorder.record(call.owner.function, action, resource, false);
    this.#deps.records.refused({ owner: call.owner, requestId: call.invocationId, action, resource, reason, message, ...(missing === undefined ? {} : { missing }) });
    throw new BulwarkError("BWK_PERMISSION_DENIED", message, { extra: { reason, ...(missing === undefined ? {} : { missing }) } });
  }
}

/** `host:port` of a fetch URL, or "" (an invalid resource, refused by evaluate) for anything else. */
function requestedResource(url: string): string {
  if (url.length > MAX_URL_LENGTH || !URL.canParse(url)) return "";
  const parsed = new URL(url);
  const port = parsed.port !== "" ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : parsed.protocol === "http:" ? 80 : 0;
  return port === 0 ? "" : egressResource(parsed.hostname, port);
}

function resourceOf(action: Action, args: unknown[]): string {
  if (action === "egress") {
    // `host:port`, as every other egress record: a URL's path and query may carry a secret.
    const url = (args[0] as { url?: unknown } | null)?.url;
    return typeof url === "string" ? requestedResource(url) : "";
  }
  return typeof args[0] === "string" ? args[0].slice(0, 200) : "";
}

function wireRequest(value: unknown): WireRequest {
  const r = value as Partial<WireRequest> | null;
  if (typeof r !== "object" || r === null || typeof r.url !== "string" || typeof r.method !== "string" || !Array.isArray(r.headers) || !(r.body === null || typeof r.body === "string")) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "a fetch request is { url, method, headers, body }");
  }
  return { url: r.url, method: r.method, headers: r.headers, body: r.body };
}

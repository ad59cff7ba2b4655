// Quarantine: an operator takes a function out of service in one stage (`bulwark quarantine FN`)
// and puts it back (`bulwark release FN`, a step-up action). While it is quarantined none of its
// code runs: the invoker, which every invocation passes (edge routes, direct invoke, ctx.invoke,
// triggers), asks the stage's gate first, and each refusal is a security event. A new deploy or a
// rollback does not lift it: only a release does.
//
// A quarantined function is suspected compromised, and its warm sandboxes may hold what an
// attacker left in their memory: quarantining also retires them in that stage (idle ones before
// set() returns, busy ones when their invocation ends), so after a release it starts fresh.
//
// The store is the record and survives restarts; the entries are also held here, written through
// on every change, so the check on every invocation is a map lookup. (A scale-out store will have
// to tell every node of a change.)
import { BulwarkError } from "../core/errors.ts";
import type { InvocationRequest } from "../invoker/invoker.ts";
import type { SecurityEventRecorder } from "../security/recorder.ts";
import type { QuarantineEntry, QuarantineStore } from "../store/quarantine.ts";
import type { Stage } from "./auth/principal.ts";

/** Throws the refusal when the function may not run now; the invoker's `admit`. */
export type InvocationGate = (fn: string, request: InvocationRequest) => void;

/** Ends a function's sandboxes in one stage (that stage's Invoker.retire). */
export type SandboxRetirer = (stage: Stage, fn: string) => Promise<void>;

export class Quarantine {
  readonly #store: QuarantineStore;
  readonly #events: Pick<SecurityEventRecorder, "record">;
  readonly #retire: SandboxRetirer;
  readonly #entries = new Map<string, QuarantineEntry>();

  constructor(store: QuarantineStore, events: Pick<SecurityEventRecorder, "record">, retire: SandboxRetirer) {
    this.#store = store;
    this.#events = events;
    this.#retire = retire;
    for (const entry of store.list()) this.#entries.set(stageKey(entry.stage, entry.function), entry);
  }

  /** Quarantines the function (again, with a new reason, if it already is) and retires its sandboxes. */
  async set(stage: Stage, fn: string, reason: string, by: string, now = new Date()): Promise<QuarantineEntry> {
    const entry: QuarantineEntry = { stage, function: fn, reason, by, at: now.toISOString() };
    this.#store.put(entry);
    // The gate refuses first, so no new invocation lands in a sandbox being retired.
    this.#entries.set(stageKey(stage, fn), entry);
    await this.#retire(stage, fn);
    return entry;
  }

  /** Lifts the quarantine and returns what it was; BWK_NOT_FOUND when there was none. */
  release(stage: Stage, fn: string): QuarantineEntry {
    const entry = this.get(stage, fn);
    if (entry === undefined || !this.#store.remove(stage, fn)) {
      throw new BulwarkError("BWK_NOT_FOUND", `${fn} is not quarantined in the ${stage} stage`);
    }
    this.#entries.delete(stageKey(stage, fn));
    return entry;
  }

  get(stage: Stage, fn: string): QuarantineEntry | undefined {
    return this.#entries.get(stageKey(stage, fn));
  }

  gate(stage: Stage): InvocationGate {
    return (fn, request) => {
      if (!this.#entries.has(stageKey(stage, fn))) return;
      this.#events.record({
        type: "quarantine.refused",
        severity: "medium",
        function: fn,
        requestId: request.requestId,
        ...(request.identity === undefined ? {} : { principal: request.identity.subject }),
        reason: `an invocation of ${fn}, quarantined in the ${stage} stage, was refused`,
        details: { stage, ...(request.caller === undefined ? {} : { caller: request.caller.function }) },
      });
      // 503 with nothing else: why it is quarantined is for operators, not for its callers.
      throw new BulwarkError("BWK_QUARANTINED", `${fn} is quarantined in the ${stage} stage`);
    };
  }
}

/** One function in one stage, as a map key; stage names hold no ":", so the pair is unambiguous. */
export function stageKey(stage: string, fn: string): string {
  return `${stage}:${fn}`;
}

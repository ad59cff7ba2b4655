// ctx.invoke end to end: the caller's side mints a workload token for the callee; the callee's
// side accepts the token (verify.ts checks) and only then runs the callee, with `caller` set from
// the token and no end-user identity. Both halves go through the token even in one process, so
// the callee's entry point never trusts an in-process claim of who is calling.
import { BulwarkError } from "../../core/errors.ts";
import type { WorkloadClaims, WorkloadTokens } from "./token.ts";

export interface CalleeInvocation {
  requestId: string;
  caller: { function: string };
  tenant?: string;
  traceparent?: string;
}

/** Runs a function (the invoker's job); provided by the platform. */
export type RunFunction = (fn: string, payload: unknown, invocation: CalleeInvocation) => Promise<unknown>;

export class FunctionCalls {
  readonly #tokens: WorkloadTokens;
  readonly #run: RunFunction;

  constructor(tokens: WorkloadTokens, run: RunFunction) {
    this.#tokens = tokens;
    this.#run = run;
  }

  /** The caller's side, after the policy allowed `invoke: [callee]`. */
  async call(claims: WorkloadClaims, payload: unknown, requestId: string, traceparent?: string): Promise<unknown> {
    const token = await this.#tokens.mint(claims);
    return this.accept(token, claims.callee, payload, requestId, traceparent);
  }

  /** The callee's side: nothing of the callee runs unless `token` verifies for `callee`. */
  async accept(token: unknown, callee: string, payload: unknown, requestId: string, traceparent?: string): Promise<unknown> {
    const verified = await this.#tokens.verify(token, callee);
    const invocation: CalleeInvocation = { requestId, caller: { function: verified.caller } };
    if (verified.tenant !== undefined) invocation.tenant = verified.tenant;
    if (traceparent !== undefined) invocation.traceparent = traceparent;
    try {
      return await this.#run(callee, payload, invocation);
    } catch (e) {
      // The callee's failure is its own: the caller learns that it failed and how, not its message.
      if (e instanceof BulwarkError && e.status >= 500) throw new BulwarkError(e.code, `function ${callee} failed (${e.code})`);
      throw e;
    }
  }
}

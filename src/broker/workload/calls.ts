// ctx.invoke end to end: the caller's side mints a workload token for the callee; the callee's
// side accepts the token (verify.ts checks) and only then runs the callee, with `caller` set from
// the token and no end-user identity. Both halves go through the token even in one process, so
// the callee's entry point never trusts an in-process claim of who is calling.
//
// A callee lives inside its caller: it runs one hop deeper (refused past the depth limit, on both
// sides) and ends by its caller's deadline, so no chain of calls outlives the request that began it.
import { BulwarkError } from "../../core/errors.ts";
import type { WorkloadClaims, WorkloadTokens } from "./token.ts";

/** The invocation making a ctx.invoke call, as the broker knows it from the sandbox's channel. */
export interface CallingInvocation {
  requestId: string;
  /** Its own depth: 0 for the invocation the edge, a trigger or the CLI started. */
  depth: number;
  /** Epoch ms at which its sandbox is killed. */
  deadline: number;
  traceparent?: string;
}

export interface CalleeInvocation {
  requestId: string;
  caller: { function: string };
  /** Hops from the request's first invocation: 1 for a function that invocation called. */
  depth: number;
  /** The caller's deadline: the callee ends by it too (sooner if its own timeout is shorter). */
  deadline: number;
  tenant?: string;
  traceparent?: string;
}

/** Runs a function (the invoker's job); provided by the platform. */
export type RunFunction = (fn: string, payload: unknown, invocation: CalleeInvocation) => Promise<unknown>;

export class FunctionCalls {
  readonly #tokens: WorkloadTokens;
  readonly #run: RunFunction;
  readonly #maxDepth: number;

  constructor(tokens: WorkloadTokens, run: RunFunction, maxDepth: number) {
    this.#tokens = tokens;
    this.#run = run;
    this.#maxDepth = maxDepth;
  }

  /** The caller's side, after the policy allowed `invoke: [callee]`. */
  async call(claims: Omit<WorkloadClaims, "depth">, payload: unknown, from: CallingInvocation): Promise<unknown> {
    const depth = from.depth + 1;
    this.#checkDepth(claims.callee, depth);
    const token = await this.#tokens.mint({ ...claims, depth });
    return this.accept(token, claims.callee, payload, from);
  }

  /** The callee's side: nothing of the callee runs unless `token` verifies for `callee`. */
  async accept(token: unknown, callee: string, payload: unknown, from: Omit<CallingInvocation, "depth">): Promise<unknown> {
    const verified = await this.#tokens.verify(token, callee);
    // Checked again on the token's own claim: a token minted where the limit was higher (another
    // node, an older configuration) still stops here.
    this.#checkDepth(callee, verified.depth);
    const invocation: CalleeInvocation = { requestId: from.requestId, caller: { function: verified.caller }, depth: verified.depth, deadline: from.deadline };
    if (verified.tenant !== undefined) invocation.tenant = verified.tenant;
    if (from.traceparent !== undefined) invocation.traceparent = from.traceparent;
    try {
      return await this.#run(callee, payload, invocation);
    } catch (e) {
      // The callee's failure is its own: the caller learns that it failed and how, not its message.
      if (e instanceof BulwarkError && e.status >= 500) throw new BulwarkError(e.code, `function ${callee} failed (${e.code})`);
      throw e;
    }
  }

  #checkDepth(callee: string, depth: number): void {
    if (depth <= this.#maxDepth) return;
    throw new BulwarkError("BWK_LIMIT_EXCEEDED", `calling ${callee} would nest function calls ${depth} deep; the limit is ${this.#maxDepth}`, {
      extra: { reason: "invoke-depth", depth, limit: this.#maxDepth },
    });
  }
}

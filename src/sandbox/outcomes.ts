// How a sandbox's endings and the broker's answers become errors: typed BulwarkErrors for the
// platform, WireErrors for the sandbox. Nothing of the platform's internals crosses into a sandbox.

import { BulwarkError, isBulwarkError } from "../core/errors.ts";
import type { WireError } from "./protocol.ts";
import type { ExitReason } from "./types.ts";

export function deathError(reason: ExitReason, detail: string): BulwarkError {
  if (reason === "timeout") return new BulwarkError("BWK_TIMEOUT", `the sandbox was killed: ${detail}`);
  if (reason === "oom") return new BulwarkError("BWK_OUT_OF_MEMORY", "the sandbox ran out of memory");
  return new BulwarkError("BWK_SANDBOX_CRASHED", `the sandbox ended: ${detail}`);
}

export function describe(error: WireError): string {
  return `${error.name.slice(0, 200)}: ${error.message.slice(0, 4096)}`;
}

/** Broker refusals cross with their code; anything else is the platform's own fault and says nothing. */
export function wireErrorOf(e: unknown): WireError {
  if (isBulwarkError(e)) return { name: "Error", message: e.message, code: e.code };
  return { name: "Error", message: "internal error", code: "BWK_INTERNAL" };
}

export async function denyAll(call: { op: string }): Promise<never> {
  throw new BulwarkError("BWK_PERMISSION_DENIED", `this sandbox has no grant for ${call.op}`);
}

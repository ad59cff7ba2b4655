// Checks every frame a sandbox sends before the platform acts on it: the sandbox runs untrusted
// code that can write anything to its channel (CWE-20). A frame that is not exactly one of the
// SandboxMessage shapes is a protocol violation and ends that sandbox.

import type { LogLevel, SandboxMessage, WireError } from "./protocol.ts";

const LEVELS: ReadonlySet<string> = new Set<LogLevel>(["debug", "info", "warn", "error"]);
const MAX_OP_CHARS = 64;

/** Returns the message, or undefined when the frame is not a valid SandboxMessage. */
export function parseSandboxMessage(frame: unknown): SandboxMessage | undefined {
  if (!isRecord(frame)) return undefined;
  switch (frame.t) {
    case "ready":
    case "loaded":
      return { t: frame.t };
    case "load-failed": {
      const error = wireError(frame.error);
      return error === undefined ? undefined : { t: "load-failed", error };
    }
    case "result": {
      if (typeof frame.id !== "string") return undefined;
      if (frame.ok === true) return { t: "result", id: frame.id, ok: true, value: frame.value };
      const error = frame.ok === false ? wireError(frame.error) : undefined;
      return error === undefined ? undefined : { t: "result", id: frame.id, ok: false, error };
    }
    case "log":
      if (frame.id !== null && typeof frame.id !== "string") return undefined;
      if (typeof frame.level !== "string" || !LEVELS.has(frame.level) || typeof frame.msg !== "string") return undefined;
      return { t: "log", id: frame.id, level: frame.level as LogLevel, msg: frame.msg };
    case "call":
      if (!Number.isSafeInteger(frame.id) || (frame.id as number) < 0) return undefined;
      if (typeof frame.op !== "string" || frame.op.length > MAX_OP_CHARS || !Array.isArray(frame.args)) return undefined;
      if (frame.inv !== null && typeof frame.inv !== "string") return undefined;
      return { t: "call", id: frame.id as number, inv: frame.inv, op: frame.op, args: frame.args };
    default:
      return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A fresh WireError with only the known members, or undefined. */
function wireError(value: unknown): WireError | undefined {
  if (!isRecord(value) || typeof value.name !== "string" || typeof value.message !== "string") return undefined;
  if (value.code === undefined) return { name: value.name, message: value.message };
  return typeof value.code === "string" ? { name: value.name, message: value.message, code: value.code } : undefined;
}

// The sandbox runtime: the only platform code that runs inside a sandbox, next to the function.
// It announces itself, loads one bundle, then runs the invocations the platform sends: one at a
// time by default, several at once when the function allows it (the platform decides how many).
// It imports nothing of the platform but the channel protocol (bundled in by buildRuntime).

import { AsyncLocalStorage } from "node:async_hooks";
import { pathToFileURL } from "node:url";
import type { HostMessage } from "../sandbox/protocol.ts";
import { RuntimeChannel } from "./channel.ts";
import { buildContext } from "./context.ts";
import { errorToWire } from "./errors.ts";
import { Logger } from "./logging.ts";

type Handler = (event: unknown, ctx: unknown) => unknown;

let handler: Handler | undefined;
/** Invocations running now, by their id on the channel (the host's counter, not the request id). */
const running = new Set<string>();
/** The invocation whose code is running, so console output is tagged with the right request id. */
const invocation = new AsyncLocalStorage<string>();

const channel = new RuntimeChannel((message) => void onMessage(message));
// Output from outside any invocation's async context (a timer set at load) belongs to none.
const logger = new Logger(channel, () => invocation.getStore() ?? null);
logger.captureConsole();

// After an error nobody caught, the function's state is unknown: fail the invocations that are
// running and end the process, so the platform discards this sandbox.
process.on("uncaughtException", fatal);
process.on("unhandledRejection", fatal);

channel.send({ t: "ready" });

async function onMessage(message: HostMessage): Promise<void> {
  if (message.t === "load") await load(message.bundle, message.export);
  else if (message.t === "invoke") await invoke(message.id, message.event, message.context);
}

async function load(bundle: string, exportName: string): Promise<void> {
  if (handler !== undefined) {
    channel.send({ t: "load-failed", error: { name: "Error", message: "a bundle is already loaded" } });
    return;
  }
  try {
    const module = (await import(pathToFileURL(bundle).href)) as Record<string, unknown>;
    // A CommonJS handler (exports.handler = ...) bundled as ESM arrives as the default export.
    const fallback = module.default as Record<string, unknown> | undefined;
    const ownFallback = typeof fallback === "object" && fallback !== null && Object.hasOwn(fallback, exportName);
    const found = module[exportName] ?? (ownFallback ? fallback[exportName] : undefined);
    if (typeof found !== "function") {
      channel.send({ t: "load-failed", error: { name: "TypeError", message: `the bundle exports no function named "${exportName}"` } });
      return;
    }
    handler = found as Handler;
    channel.send({ t: "loaded" });
  } catch (e) {
    channel.send({ t: "load-failed", error: errorToWire(e) });
  }
}

async function invoke(id: string, event: unknown, context: Parameters<typeof buildContext>[1]): Promise<void> {
  if (handler === undefined || running.has(id)) {
    channel.send({ t: "result", id, ok: false, error: { name: "Error", message: "the runtime is not ready for this invocation" } });
    return;
  }
  running.add(id);
  const run = handler;
  let outcome: { ok: true; value: unknown } | { ok: false; error: unknown };
  try {
    outcome = { ok: true, value: await invocation.run(id, () => run(event, buildContext(id, context, channel, logger))) };
  } catch (e) {
    outcome = { ok: false, error: e };
  }
  if (!running.delete(id)) return; // fatal() already answered for this invocation
  if (!outcome.ok) {
    channel.send({ t: "result", id, ok: false, error: errorToWire(outcome.error) });
    return;
  }
  try {
    // Encoding runs the result's toJSON and getters; a result that cannot be encoded (BigInt,
    // cycles, larger than a frame) is the function's fault, reported as a bad response.
    channel.send({ t: "result", id, ok: true, value: outcome.value });
  } catch (e) {
    channel.send({ t: "result", id, ok: false, error: errorToWire(e, "BWK_BAD_RESPONSE") });
  }
}

function fatal(error: unknown): void {
  if (running.size > 0) {
    for (const id of running) channel.send({ t: "result", id, ok: false, error: errorToWire(error) });
    running.clear();
  } else {
    const wire = errorToWire(error);
    channel.send({ t: "log", id: null, level: "error", msg: `uncaught ${wire.name} outside an invocation: ${wire.message}` });
  }
  channel.exit(1);
}

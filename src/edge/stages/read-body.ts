// Reads the request body under the route's size limit and a deadline: a body over the limit is
// cut off the moment it passes it (the declared size was checked by `limits`), and a body still
// arriving bodyTimeoutMs after the request did is answered 408 (slowloris, CWE-400). Either way
// the connection is closed once the problem is sent (server.ts), the rest of the body unread.
import type { IncomingMessage } from "node:http";
import { BulwarkError } from "../../core/errors.ts";
import { hasBody } from "../body.ts";
import { refuse } from "../refuse.ts";
import type { Stage } from "../exchange.ts";

const EMPTY = Buffer.alloc(0);

export const readBody: Stage = (x, deps) => {
  // A request without a body is answered without waiting for its end: no promise, no listeners.
  if (!hasBody(x.req)) {
    x.body = EMPTY;
    return;
  }
  return readDeclaredBody(x, deps);
};

const readDeclaredBody: Stage = async (x, deps) => {
  const limit = deps.shield.policy(x).maxBodyBytes;
  const deadline = x.receivedAt.getTime() + deps.shield.bodyTimeoutMs;
  const outcome = await collect(x.req, limit, deadline - Date.now());
  if (outcome === "too large") {
    throw refuse(
      x,
      deps.events,
      { type: "body.too_large", severity: "low", reason: "body over the limit", details: { limitBytes: limit } },
      "BWK_PAYLOAD_TOO_LARGE",
      `the request body is larger than ${limit} bytes`,
      { extra: { limitBytes: limit } },
    );
  }
  if (outcome === "timeout") {
    throw refuse(
      x,
      deps.events,
      { type: "request.timeout", severity: "low", reason: "body not received in time", details: { timeoutMs: deps.shield.bodyTimeoutMs } },
      "BWK_REQUEST_TIMEOUT",
      `the request body did not arrive within ${deps.shield.bodyTimeoutMs} ms`,
    );
  }
  x.body = outcome;
};

function collect(req: IncomingMessage, limit: number, timeoutMs: number): Promise<Buffer | "too large" | "timeout"> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    // The end, error and aborted listeners stay: a socket error after we stopped reading must
    // still find a listener, or it would be thrown as an uncaught exception.
    const finish = (outcome: Buffer | "too large" | "timeout" | Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      req.off("data", onData);
      if (outcome instanceof Error) return reject(outcome);
      if (!Buffer.isBuffer(outcome)) req.pause();
      resolve(outcome);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) finish("too large");
      else chunks.push(chunk);
    };
    const timer = setTimeout(() => finish("timeout"), Math.max(0, timeoutMs));
    req.on("data", onData);
    req.on("end", () => finish(Buffer.concat(chunks, size)));
    const aborted = () => finish(new BulwarkError("BWK_BAD_REQUEST", "the client closed the connection before sending the whole body"));
    req.on("error", aborted);
    req.on("aborted", aborted);
  });
}

// The public HTTP listener: runs every request through the pipeline and renders refusals as
// RFC 9457 problem details. Internal details of a 5xx go to the log, never to the client.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Socket } from "node:net";
import type { Logger } from "pino";
import { isBulwarkError, toProblem } from "../core/errors.ts";
import type { EdgeDeps, EdgeResponse, Exchange } from "./exchange.ts";
import { hasBody } from "./body.ts";
import { answerClientError } from "./client-error.ts";
import { clientAddressOf, type TrustedProxies } from "./client-ip.ts";
import { RequestObservation } from "./observe.ts";
import { PIPELINE } from "./pipeline.ts";
import { HSTS, serverTls } from "./tls.ts";

const BASE_HEADERS = { "x-content-type-options": "nosniff" } as const;

export interface EdgeServerOptions {
  /** PEM certificate chain and key: the edge speaks HTTPS (node:https) instead of HTTP. */
  tls?: { cert: string; key: string };
  /** Proxies whose X-Forwarded-For and other forwarding headers are believed (--trust-proxy); none by default. */
  trustedProxies?: TrustedProxies;
}

export function createEdgeServer(deps: EdgeDeps, log: Logger, options: EdgeServerOptions = {}): Server {
  // headersTimeout answers a slow header sender 408 itself; a slow body is readBody's deadline,
  // which answers with a problem, so Node's own whole-request timeout stays behind it.
  // requireHostHeader off: node would answer a missing Host with a bare 400 of its own; the
  // checkHost stage refuses it as a problem and an event, together with a doubled or malformed one.
  const settings = { keepAlive: true, headersTimeout: 10_000, requestTimeout: Math.max(30_000, deps.shield.bodyTimeoutMs + 5_000), requireHostHeader: false };
  const { tls, trustedProxies } = options;
  const server = tls
    ? createHttpsServer({ ...settings, ...serverTls(tls) }, (req, res) => {
        res.setHeader("strict-transport-security", HSTS);
        void handle(req, res, deps, log, trustedProxies);
      })
    : createServer(settings, (req, res) => void handle(req, res, deps, log, trustedProxies));
  server.keepAliveTimeout = 5_000;
  const listenerHeaders: Record<string, string> = tls ? { "strict-transport-security": HSTS } : {};
  server.on("clientError", (error: NodeJS.ErrnoException, socket: Socket) => answerClientError(error, socket, deps, listenerHeaders));
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: EdgeDeps, log: Logger, trustedProxies?: TrustedProxies): Promise<void> {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const client = clientAddressOf(req, trustedProxies);
  const x: Exchange = {
    req,
    requestId: randomUUID(),
    clientIp: client.ip,
    client,
    method: req.method ?? "GET",
    rawPath: q === -1 ? url : url.slice(0, q),
    rawQuery: q === -1 ? "" : url.slice(q + 1),
    receivedAt: new Date(),
  };
  const observed = new RequestObservation(deps.observe, x);
  try {
    for (const stage of PIPELINE) {
      // Most stages finish synchronously: awaiting only the ones that return a promise saves a
      // trip through the microtask queue per stage and request.
      const pending = observed.stage(stage, deps);
      if (pending !== undefined) await pending;
      if (x.response) break;
    }
    send(res, x, x.response ?? { status: 204, headers: {}, body: Buffer.alloc(0) });
    observed.end(res.statusCode, null);
  } catch (error) {
    // A quarantined function's refusals are already security events: not failures to log.
    if (!isBulwarkError(error) || (error.status >= 500 && error.code !== "BWK_QUARANTINED")) {
      log.error({ requestId: x.requestId, traceId: observed.traceId, err: describe(error) }, "request failed");
    }
    sendProblem(res, x, error);
    observed.end(res.statusCode, isBulwarkError(error) ? error.code : "BWK_INTERNAL");
  }
}

function send(res: ServerResponse, x: Exchange, response: EdgeResponse): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(response.status, {
    ...response.headers,
    ...BASE_HEADERS,
    "content-length": String(response.body.length),
    "x-request-id": x.requestId,
  });
  res.end(x.method === "HEAD" ? undefined : response.body);
}

export function sendProblem(res: ServerResponse, x: Exchange, error: unknown): void {
  const problem = toProblem(error, x.requestId);
  const extraHeaders = isBulwarkError(error) ? error.headers : {};
  const body = Buffer.from(JSON.stringify(problem), "utf8");
  // A request refused before its body was read must not leave the body to be parsed as the next
  // request on this connection; one without a body keeps its connection. The client is told
  // (Connection: close, RFC 9112 §9.6) so it does not send its next request into a closing socket.
  const closing = !x.req.complete && hasBody(x.req);
  send(res, x, {
    status: problem.status,
    headers: { ...extraHeaders, "content-type": "application/problem+json", "cache-control": "no-store", ...(closing ? { connection: "close" } : {}) },
    body,
  });
  if (closing) res.once("finish", () => x.req.socket.destroySoon());
}

function describe(error: unknown): Record<string, unknown> {
  if (isBulwarkError(error)) return { code: error.code, message: error.message };
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}

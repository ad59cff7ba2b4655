// The public HTTP listener: runs every request through the pipeline and renders refusals as
// RFC 9457 problem details. Internal details of a 5xx go to the log, never to the client.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import { isBulwarkError, toProblem } from "../core/errors.ts";
import type { EdgeDeps, EdgeResponse, Exchange } from "./exchange.ts";
import { PIPELINE } from "./pipeline.ts";

const BASE_HEADERS = { "x-content-type-options": "nosniff" } as const;

export function createEdgeServer(deps: EdgeDeps, log: Logger): Server {
  const server = createServer({ keepAlive: true, headersTimeout: 10_000, requestTimeout: 30_000 }, (req, res) => {
    void handle(req, res, deps, log);
  });
  server.keepAliveTimeout = 5_000;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: EdgeDeps, log: Logger): Promise<void> {
  const url = req.url ?? "/";
  const q = url.indexOf("?");
  const x: Exchange = {
    req,
    requestId: randomUUID(),
    clientIp: req.socket.remoteAddress ?? "",
    method: req.method ?? "GET",
    rawPath: q === -1 ? url : url.slice(0, q),
    rawQuery: q === -1 ? "" : url.slice(q + 1),
    receivedAt: new Date(),
  };
  try {
    for (const stage of PIPELINE) {
      await stage(x, deps);
      if (x.response) break;
    }
    send(res, x, x.response ?? { status: 204, headers: {}, body: Buffer.alloc(0) });
  } catch (error) {
    if (!isBulwarkError(error) || error.status >= 500) {
      log.error({ requestId: x.requestId, err: describe(error) }, "request failed");
    }
    sendProblem(res, x, error);
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
  send(res, x, {
    status: problem.status,
    headers: { ...extraHeaders, "content-type": "application/problem+json", "cache-control": "no-store" },
    body,
  });
  // A request refused before its body was read must not leave the body to be parsed as the next
  // request on this connection; one without a body keeps its connection.
  if (!x.req.complete && hasBody(x.req)) res.once("finish", () => x.req.socket.destroySoon());
}

function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

function describe(error: unknown): Record<string, unknown> {
  if (isBulwarkError(error)) return { code: error.code, message: error.message };
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { value: String(error) };
}

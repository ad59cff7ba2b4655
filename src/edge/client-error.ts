// Requests node's HTTP parser refuses before the pipeline sees them: the request-smuggling shapes
// (Content-Length with Transfer-Encoding, two lengths, a bad chunk size, an unknown coding),
// obs-fold, bare CR or LF, header sections too large or too slow. Node would answer a bare 400
// without a body or a trace; the edge answers RFC 9457 problem+json like every other refusal, and
// records the attempt (folded per address and kind, as floods come). The connection is closed:
// after a framing error nothing later on it can be delimited (RFC 9112 §11.2).
import { randomUUID } from "node:crypto";
import { STATUS_CODES } from "node:http";
import type { Socket } from "node:net";
import { BulwarkError, toProblem } from "../core/errors.ts";
import type { EdgeDeps } from "./exchange.ts";
import { recordRepeatedRefusal, type ShieldEvent } from "./refuse.ts";

/** `extraHeaders`: what every response of this listener carries (HSTS on TLS). */
export function answerClientError(error: NodeJS.ErrnoException, socket: Socket, deps: EdgeDeps, extraHeaders: Record<string, string>): void {
  // Node's own rule: never write into a response already under way on this connection.
  const inFlight = (socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (error.code === "ECONNRESET" || !socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const refusal = refusalOf(error.code ?? "");
  const request = { clientIp: socket.remoteAddress ?? "", requestId: randomUUID() };
  recordRepeatedRefusal(request, deps.events, deps.shield.repeats, refusal.event.reason, refusal.event);
  const body = JSON.stringify(toProblem(refusal.error, request.requestId));
  const headers: Record<string, string> = {
    ...extraHeaders,
    "content-type": "application/problem+json",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "x-request-id": request.requestId,
    "content-length": String(Buffer.byteLength(body)),
    connection: "close",
  };
  const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join("");
  socket.write(`HTTP/1.1 ${refusal.error.status} ${STATUS_CODES[refusal.error.status]}\r\n${head}\r\n${body}`);
  socket.destroySoon();
}

function refusalOf(code: string): { error: BulwarkError; event: ShieldEvent } {
  if (code === "ERR_HTTP_REQUEST_TIMEOUT") {
    return {
      error: new BulwarkError("BWK_REQUEST_TIMEOUT", "the request did not arrive in time"),
      event: { type: "request.timeout", severity: "low", reason: "headers not received in time" },
    };
  }
  if (code === "HPE_HEADER_OVERFLOW") {
    return {
      error: new BulwarkError("BWK_HEADERS_TOO_LARGE", "the request's header section is too large"),
      event: { type: "request.malformed", severity: "low", reason: code },
    };
  }
  // Every other parser error: the request is not HTTP/1.1 as RFC 9112 frames it, and a client
  // that frames requests ambiguously on purpose is trying to smuggle one past a proxy (CWE-444).
  return {
    error: new BulwarkError("BWK_BAD_REQUEST", "the request is not well-formed HTTP/1.1"),
    event: { type: "request.malformed", severity: "medium", reason: code === "" ? "unparsable request" : code },
  };
}

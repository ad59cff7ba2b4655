// Small helpers for the control API: JSON object bodies under a limit, JSON and problem responses.
import type { IncomingMessage, ServerResponse } from "node:http";
import { BulwarkError, isBulwarkError, toProblem } from "../core/errors.ts";

export async function readJson(req: IncomingMessage, limitBytes: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw new BulwarkError("BWK_PAYLOAD_TOO_LARGE", `the request body is larger than ${limitBytes} bytes`);
    chunks.push(chunk);
  }
  if (size === 0) return {};
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks, size).toString("utf8"));
  } catch {
    throw new BulwarkError("BWK_BAD_REQUEST", "the request body is not valid JSON");
  }
  // Every route takes an object: refused here, `null` or a list never reaches a handler that reads its fields.
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw new BulwarkError("BWK_BAD_REQUEST", "the request body must be a JSON object");
  return body;
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(body);
}

export function sendText(res: ServerResponse, text: { contentType: string; body: string }): void {
  res.writeHead(200, { "content-type": text.contentType, "cache-control": "no-store", "x-content-type-options": "nosniff" });
  res.end(text.body);
}

export function sendError(res: ServerResponse, error: unknown, requestId: string): void {
  const problem = toProblem(error, requestId);
  res.writeHead(problem.status, {
    ...(isBulwarkError(error) ? error.headers : {}),
    "content-type": "application/problem+json",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
  });
  res.end(JSON.stringify(problem));
}

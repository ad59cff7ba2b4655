// Turns a handler's return value into an HTTP response, by API Gateway's payload format 2.0 rules:
// `{statusCode, headers, cookies, body, isBase64Encoded}` is used as given; any other JSON value is
// a 200 with that value as the JSON body. Invalid shapes are the function's fault: 502.
import { BulwarkError } from "../core/errors.ts";
import type { EdgeResponse } from "./exchange.ts";

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const SAFE_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
/** Headers the platform owns: framing and connection management are never the function's call. */
const PLATFORM_HEADERS = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "x-request-id", "date", "server"]);

export function toHttpResponse(value: unknown): EdgeResponse {
  if (isStructured(value)) return structured(value);
  const body = typeof value === "string" ? value : JSON.stringify(value ?? null);
  return { status: 200, headers: { "content-type": "application/json" }, body: Buffer.from(body, "utf8") };
}

function isStructured(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && "statusCode" in value;
}

function structured(value: Record<string, unknown>): EdgeResponse {
  const status = value.statusCode;
  if (typeof status !== "number" || !Number.isInteger(status) || status < 200 || status > 599) {
    throw bad("statusCode must be an integer from 200 to 599");
  }
  const headers: Record<string, string | string[]> = {};
  if (value.headers !== undefined) {
    if (typeof value.headers !== "object" || value.headers === null || Array.isArray(value.headers)) {
      throw bad("headers must be an object");
    }
    for (const [name, v] of Object.entries(value.headers)) {
      const lower = name.toLowerCase();
      if (!TOKEN.test(name)) throw bad("a header name is not a valid HTTP token");
      if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") throw bad(`header ${lower} must be a string`);
      const text = String(v);
      if (!SAFE_VALUE.test(text)) throw bad(`header ${lower} contains control characters`);
      if (!PLATFORM_HEADERS.has(lower)) headers[lower] = text;
    }
  }
  if (value.cookies !== undefined) {
    if (!Array.isArray(value.cookies) || !value.cookies.every((c) => typeof c === "string" && SAFE_VALUE.test(c))) {
      throw bad("cookies must be an array of strings without control characters");
    }
    headers["set-cookie"] = value.cookies as string[];
  }
  let body: Buffer;
  if (value.body === undefined || value.body === null) body = Buffer.alloc(0);
  else if (typeof value.body === "string") body = Buffer.from(value.body, value.isBase64Encoded === true ? "base64" : "utf8");
  else body = Buffer.from(JSON.stringify(value.body), "utf8");
  if (!("content-type" in headers) && body.length > 0) headers["content-type"] = "application/json";
  return { status, headers, body };
}

function bad(detail: string): BulwarkError {
  return new BulwarkError("BWK_BAD_RESPONSE", detail);
}

// `ctx.fetch`, performed by the broker after the policy allowed the `egress` call. The target is
// resolved and checked once (address.ts), and the connection goes to exactly that checked address:
// the socket's `lookup` is pinned to it, so nothing resolves the name again between check and
// connect (DNS rebinding, CWE-367). TLS keeps the URL's host for SNI, the Host header and
// certificate verification, which is always on (CWE-295). Redirects are returned to the function,
// not followed: each hop is a new ctx.fetch, checked again. Bodies, headers and time are bounded.
import { request as httpRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { BulwarkError } from "../../core/errors.ts";
import type { WireRequest, WireResponse } from "../../sandbox/protocol.ts";
import type { CheckedTarget, EgressUrl, LookupAll } from "./address.ts";
import { unbracketed } from "../../core/ipaddr.ts";

export interface EgressOptions {
  timeoutMs: number;
  requestMaxBytes: number;
  responseMaxBytes: number;
  /** Extra trusted CA certificates (PEM), e.g. a corporate CA; the system store stays trusted. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** DNS resolution; dns.lookup by default. */
  lookup?: LookupAll;
}

const METHODS = new Set(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]);
// Connection-level headers (RFC 9110 §7.6.1) and what the broker sets itself.
const DROPPED_REQUEST_HEADERS = new Set([
  "host", "connection", "keep-alive", "proxy-connection", "proxy-authorization", "te", "trailer",
  "transfer-encoding", "upgrade", "content-length", "expect",
]);
const DROPPED_RESPONSE_HEADERS = new Set(["connection", "keep-alive", "transfer-encoding", "trailer", "upgrade"]);
const MAX_HEADERS = 100;
const MAX_HEADER_BYTES = 32 * 1024;

export type CheckedUrl = EgressUrl & CheckedTarget;

/** Sends the request to the checked address and reads the bounded response. */
export async function performFetch(
  request: WireRequest,
  target: CheckedUrl,
  options: EgressOptions,
  deadline: number,
): Promise<WireResponse> {
  const method = request.method.toUpperCase();
  if (!METHODS.has(method)) throw invalid(`method ${request.method.slice(0, 16)} cannot be sent`);
  const body = decodeBody(request.body, options.requestMaxBytes);
  const headers = requestHeaders(request.headers, target.url.host);
  if (body !== undefined) headers.push(["content-length", String(body.length)]);
  const timeoutMs = Math.min(options.timeoutMs, deadline - Date.now());
  if (timeoutMs <= 0) throw new BulwarkError("BWK_EGRESS_FAILED", "no time is left in the invocation for the request", { extra: { reason: "timeout", timeoutMs: 0 } });

  const https = target.url.protocol === "https:";
  const bare = unbracketed(target.host);
  const pinned: LookupFunction = (_hostname, opts, callback) => {
    const { address, family } = target;
    if ((opts as { all?: boolean }).all) (callback as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    else callback(null, address, family);
  };
  const requestOptions: RequestOptions & { servername?: string; rejectUnauthorized?: boolean; ca?: EgressOptions["ca"] } = {
    host: bare,
    port: target.port,
    path: `${target.url.pathname}${target.url.search}`,
    method,
    headers: headers.flat(),
    // A fresh connection for each request: no pooled socket to some earlier address is reused.
    agent: false,
    lookup: pinned,
    maxHeaderSize: MAX_HEADER_BYTES,
    setHost: true,
  };
  if (https) {
    requestOptions.rejectUnauthorized = true;
    // SNI carries a name, never an IP literal (RFC 6066 §3).
    if (isIP(bare) === 0) requestOptions.servername = bare;
    if (options.ca !== undefined) requestOptions.ca = options.ca;
  }

  return new Promise<WireResponse>((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)(requestOptions, (res) => {
      collect(res, method, options.responseMaxBytes).then(resolve, (e: unknown) => {
        req.destroy();
        reject(e);
      });
    });
    const timer = setTimeout(() => {
      req.destroy(new BulwarkError("BWK_EGRESS_FAILED", `the request to ${target.resource} took longer than ${timeoutMs} ms`, { extra: { reason: "timeout", timeoutMs } }));
    }, timeoutMs);
    req.once("close", () => clearTimeout(timer));
    req.once("error", (e) => reject(failure(e, target.resource)));
    req.end(body);
  });
}

function collect(res: IncomingMessage, method: string, maxBytes: number): Promise<WireResponse> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers["content-length"]);
    if (Number.isFinite(declared) && declared > maxBytes) {
      reject(new BulwarkError("BWK_LIMIT_EXCEEDED", `the response is ${declared} bytes; the limit is ${maxBytes}`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(new BulwarkError("BWK_LIMIT_EXCEEDED", `the response is larger than the limit of ${maxBytes} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    res.once("error", (e) => reject(failure(e, "the response")));
    res.once("end", () => {
      const headers: [string, string][] = [];
      const raw = res.rawHeaders;
      for (let i = 0; i + 1 < raw.length && headers.length < MAX_HEADERS; i += 2) {
        const name = raw[i]!.toLowerCase();
        if (!DROPPED_RESPONSE_HEADERS.has(name)) headers.push([name, raw[i + 1]!]);
      }
      const body = method === "HEAD" ? "" : Buffer.concat(chunks).toString("base64");
      resolve({ status: res.statusCode ?? 502, statusText: (res.statusMessage ?? "").slice(0, 200), headers, body });
    });
  });
}

function requestHeaders(pairs: unknown, host: string): [string, string][] {
  if (!Array.isArray(pairs) || pairs.length > MAX_HEADERS) throw invalid(`at most ${MAX_HEADERS} request headers can be sent`);
  const headers: [string, string][] = [["host", host]];
  let bytes = 0;
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== "string" || typeof pair[1] !== "string") {
      throw invalid("request headers must be [name, value] pairs of strings");
    }
    const [name, value] = pair as [string, string];
    // RFC 9110 §5.1 token for names; no CR, LF or NUL in values (header injection, CWE-113).
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,256}$/.test(name) || /[\r\n\0]/.test(value)) throw invalid("a request header is malformed");
    bytes += name.length + value.length;
    if (bytes > MAX_HEADER_BYTES) throw invalid(`request headers are limited to ${MAX_HEADER_BYTES} bytes`);
    const lower = name.toLowerCase();
    if (!DROPPED_REQUEST_HEADERS.has(lower)) headers.push([lower, value]);
  }
  return headers;
}

function decodeBody(body: unknown, maxBytes: number): Buffer | undefined {
  if (body === null || body === undefined) return undefined;
  if (typeof body !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) throw invalid("the request body must be base64");
  const bytes = Buffer.from(body, "base64");
  if (bytes.length > maxBytes) throw new BulwarkError("BWK_LIMIT_EXCEEDED", `the request body is ${bytes.length} bytes; the limit is ${maxBytes}`);
  return bytes;
}

function failure(e: unknown, resource: string): BulwarkError {
  if (e instanceof BulwarkError) return e;
  const code = (e as NodeJS.ErrnoException).code ?? "ERROR";
  const tls = /CERT|SSL|TLS|SELF_SIGNED|ERR_TLS|HOSTNAME|ALTNAME/.test(code);
  return new BulwarkError(
    "BWK_EGRESS_FAILED",
    tls ? `TLS verification of ${resource} failed (${code})` : `the request to ${resource} failed (${code})`,
    { extra: { tls, reason: code } },
  );
}

function invalid(message: string): BulwarkError {
  return new BulwarkError("BWK_INVALID_ARGUMENT", message);
}

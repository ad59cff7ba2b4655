// Builds the AWS API Gateway HTTP API (payload format 2.0) event, so Lambda-style handlers run
// unchanged. Everything here comes from the verified request; nothing a client sends can set the
// request context, nor the forwarding headers unless it is a proxy the operator trusts.
import type { HttpEvent } from "../sdk/index.ts";
import { isTextual, parseMediaType, utf8 } from "./body.ts";
import { forwardingHeaders, isForwardingHeader } from "./client-ip.ts";
import type { Exchange } from "./exchange.ts";

/**
 * Credentials stay at the edge: the function learns who called from ctx.identity, never from a
 * token it could log or replay (CWE-522). x-bulwark-* is the platform's own namespace; a client
 * sending such a header must not look to the function like the platform speaking.
 */
const WITHHELD = new Set(["authorization", "proxy-authorization", "x-api-key"]);

/** Headers the function sees as the edge settles them, not as the client wrote them (client-ip.ts). */
const settledByEdge = (name: string) => WITHHELD.has(name) || name.startsWith("x-bulwark-") || isForwardingHeader(name);

/**
 * `stage` is the platform stage serving the request ("prod" or "dev"). API Gateway names a
 * request's stage the same way ("$default" only for an API without named stages), and each stage
 * has its own listener with the same paths, as API Gateway's custom-domain mappings serve named
 * stages: so rawPath carries no stage prefix. A handler that branches on it sees where it runs.
 */
export function buildHttpEvent(x: Exchange, app: string, stage: string): HttpEvent {
  const route = x.route!;
  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  const raw = x.req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    const value = raw[i + 1]!;
    if (settledByEdge(name)) continue;
    if (name === "cookie") {
      cookies = [...(cookies ?? []), ...value.split(/;\s*/).filter(Boolean)];
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  Object.assign(headers, forwardingHeaders(x.req, x.client));
  const host = headers.host ?? "localhost";
  const event: HttpEvent = {
    version: "2.0",
    routeKey: route.routeKey,
    rawPath: x.rawPath,
    rawQueryString: x.rawQuery,
    headers,
    requestContext: {
      accountId: "bulwark",
      apiId: app,
      domainName: host,
      domainPrefix: host.split(".")[0] ?? host,
      http: {
        method: x.method,
        path: x.rawPath,
        protocol: `HTTP/${x.req.httpVersion}`,
        sourceIp: x.clientIp,
        userAgent: headers["user-agent"] ?? "",
      },
      requestId: x.requestId,
      routeKey: route.routeKey,
      stage,
      time: clfTime(x.receivedAt),
      timeEpoch: x.receivedAt.getTime(),
    },
    isBase64Encoded: false,
  };
  if (cookies) event.cookies = cookies;
  const query = queryParameters(x.rawQuery);
  if (query) event.queryStringParameters = query;
  if (Object.keys(route.pathParameters).length > 0) event.pathParameters = route.pathParameters;
  if (x.body && x.body.length > 0) {
    const text = isTextual(parseMediaType(x.req.headers["content-type"])) ? utf8(x.body) : undefined;
    if (text === undefined) {
      event.body = x.body.toString("base64");
      event.isBase64Encoded = true;
    } else {
      event.body = text;
    }
  }
  return event;
}

/** Repeated parameters are joined with commas, as API Gateway does. */
function queryParameters(rawQuery: string): Record<string, string> | undefined {
  if (rawQuery === "") return undefined;
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of new URLSearchParams(rawQuery)) out[k] = k in out ? `${out[k]},${v}` : v;
  return { ...out };
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function clfTime(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

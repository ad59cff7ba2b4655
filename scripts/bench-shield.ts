// Measures for `npm run bench` (issue 3): what the full edge pipeline costs. The bench app gets two
// more routes on the same function: POST /plain (no auth, WAF off, no schema) and POST /full (a
// JWT verified against a local JWKS, an input schema, the WAF in block mode, a route bucket and
// per-address and per-subject buckets that never refuse). Same body, same handler: the difference
// is the pipeline.
import autocannon from "autocannon";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { compileIpFilter } from "../src/core/ipfilter.ts";
import { compileWaf } from "../src/core/waf/index.ts";
import { parseBody, parseMediaType } from "../src/edge/body.ts";
import { InputSchemas } from "../src/edge/input-schema.ts";
import { RateLimits } from "../src/edge/rate-limits.ts";
import { type Percentiles, stats } from "./bench-stats.ts";

const REQUESTS = 2_000;
const LOAD_SECONDS = 8;
const CONNECTIONS = 16;
const ISSUER = "https://id.bench.example/";
const AUDIENCE = "bench";
/** An ordinary order: names with apostrophes, free text, numbers (what the WAF must let through). */
export const BODY = JSON.stringify({ item: "O'Brien's breakfast tea", qty: 2, note: "Please leave it at the door; thanks!", price: 12.5 });

export const ORDER_SCHEMA = JSON.stringify({
  type: "object",
  required: ["item", "qty"],
  additionalProperties: false,
  properties: {
    item: { type: "string", minLength: 1, maxLength: 200 },
    qty: { type: "integer", minimum: 1, maximum: 100 },
    note: { type: "string", maxLength: 500 },
    price: { type: "number", minimum: 0 },
  },
});

/** Limits that are on (each request takes a token) but high enough never to refuse the load. */
const NEVER = '{ rate: "1000000/s", burst: 1000000 }';

export function benchManifest(jwksUrl: string): string {
  return [
    "app: bench",
    `jwt: { issuer: "${ISSUER}", audience: ${AUDIENCE}, jwksUrl: "${jwksUrl}", algorithms: [ES256] }`,
    `limits: { perIp: ${NEVER}, perSubject: ${NEVER} }`,
    "functions:",
    "  trivial:",
    "    handler: h.js",
    "    triggers:",
    "      - http: { method: GET, path: /t, auth: none }",
    "      - http: { method: POST, path: /plain, auth: none, waf: off }",
    `      - http: { method: POST, path: /full, auth: jwt, input: schemas/order.json, rateLimit: ${NEVER} }`,
    // The same handler, with one sandbox running up to 16 invocations at once (sandbox.invocations).
    "  shared:",
    "    handler: h.js",
    "    sandbox: { invocations: 16 }",
    "    triggers:",
    "      - http: { method: GET, path: /s, auth: none }",
    "",
  ].join("\n");
}

export interface Issuer {
  jwksUrl: string;
  token: string;
  close(): Promise<void>;
}

/** A JWKS endpoint on loopback and one ES256 token from it, valid for the whole run. */
export async function startIssuer(): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair("ES256", { extractable: true });
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: "bench-1", alg: "ES256", use: "sig" }] });
  const server: Server = createServer((_, res) => res.writeHead(200, { "content-type": "application/json" }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const token = await new SignJWT({ sub: "bench-user", roles: ["customer"] })
    .setProtectedHeader({ alg: "ES256", kid: "bench-1", typ: "JWT" })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime("2h")
    .sign(privateKey);
  return {
    jwksUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`,
    token,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface ShieldFigures {
  plain: Percentiles;
  full: Percentiles;
  rpsFull: number;
  rpsBare: number;
}

/** `base` is the platform's URL, `bare` the bare node:http server's. */
export async function shieldOverhead(base: string, bare: string, token: string): Promise<ShieldFigures> {
  const json = { "content-type": "application/json" };
  const plain = await latency(`${base}/plain`, json);
  const full = await latency(`${base}/full`, { ...json, authorization: `Bearer ${token}` });
  const rpsBare = await load(bare, json);
  const rpsFull = await load(`${base}/full`, { ...json, authorization: `Bearer ${token}` });
  return { plain, full, rpsFull, rpsBare };
}

async function timed(url: string, headers: Record<string, string>): Promise<number> {
  const t = performance.now();
  const res = await fetch(url, { method: "POST", headers, body: BODY });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
  return performance.now() - t;
}

async function latency(url: string, headers: Record<string, string>): Promise<Percentiles> {
  for (let i = 0; i < 200; i++) await timed(url, headers);
  const samples: number[] = [];
  for (let i = 0; i < REQUESTS; i++) samples.push(await timed(url, headers));
  return stats(samples);
}

async function load(url: string, headers: Record<string, string>): Promise<number> {
  const result = await autocannon({ url, method: "POST", headers, body: BODY, connections: CONNECTIONS, duration: LOAD_SECONDS });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`);
  return result.requests.average;
}

/**
 * CPU per request of the protection work itself, in this process and without the network: the IP
 * filter (with a 1,000-entry deny list), the address bucket, the WAF over path and headers, body
 * parsing, the WAF over the body and the schema. Steadier than end-to-end latency on a busy machine.
 */
export function stageCostUs(): { total: number } & Record<string, number> {
  const waf = compileWaf();
  const headers = { host: "127.0.0.1:8080", "content-type": "application/json", "user-agent": "autocannon", "content-length": String(BODY.length) };
  const validate = new InputSchemas().compile("order.json", JSON.parse(ORDER_SCHEMA) as Record<string, unknown>);
  const rates = new RateLimits({ perIp: { perSecond: 1e6, burst: 1e6, text: "" } });
  const ips = compileIpFilter({ deny: Array.from({ length: 1000 }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`) });
  const body = Buffer.from(BODY);
  const type = parseMediaType("application/json");
  const value: unknown = JSON.parse(BODY);
  const cost = (work: () => unknown): number => {
    for (let i = 0; i < 2_000; i++) work();
    const n = 50_000;
    const t = performance.now();
    for (let i = 0; i < n; i++) work();
    return ((performance.now() - t) * 1000) / n;
  };
  const costs = {
    ipFilter: cost(() => ips.decide("127.0.0.1", Date.now())),
    rateLimit: cost(() => rates.takeIp("127.0.0.1", Date.now())),
    wafHead: cost(() => waf.inspect({ path: "/full", query: "", headers })),
    parseBody: cost(() => parseBody(body, type, 64)),
    wafBody: cost(() => waf.inspect({ path: "", query: "", headers: {}, body: value })),
    validate: cost(() => validate(value)),
  };
  return { ...costs, total: Object.values(costs).reduce((a, b) => a + b, 0) };
}

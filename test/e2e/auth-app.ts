// The app and the event reader the auth attack tests share. One function answers every route with
// what reached it: ctx.identity and the headers the edge passed on.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AUDIENCE, ISSUER } from "../edge/auth/jwks-server.ts";

export const WHOAMI = `export async function handler(event, ctx) {
  return { identity: ctx.identity ?? null, headers: event.headers };
}
`;

/** routes: [method, path, auth, extra YAML like "roles: [admin]"] */
export function authManifest(jwksUrl: string, functions: Record<string, Array<[string, string, string, string?]>>): string {
  const lines = ["app: guarded", `jwt: { issuer: "${ISSUER}", audience: ${AUDIENCE}, jwksUrl: "${jwksUrl}", algorithms: [RS256, ES256] }`, "functions:"];
  for (const [name, routes] of Object.entries(functions)) {
    lines.push(`  ${name}:`, "    handler: src/whoami.js", "    triggers:");
    for (const [method, path, auth, extra] of routes) {
      lines.push(`      - http: { method: ${method}, path: "${path}", auth: ${auth}${extra ? `, ${extra}` : ""} }`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export interface RecordedEvent {
  type: string;
  severity: string;
  reason: string;
  route?: string;
  clientIp?: string;
  principal?: string;
  function?: string;
  requestId?: string;
  details?: Record<string, unknown>;
}

/**
 * The security events the platform recorded for one request, through the control API's events
 * route (what `bulwark events` reads). The recorder flushes its batch before answering a query.
 */
export async function eventsFor(dataDir: string, res: Response): Promise<RecordedEvent[]> {
  const requestId = res.headers.get("x-request-id");
  assert.ok(requestId, "the response has no x-request-id");
  const control = JSON.parse(readFileSync(join(dataDir, "control.json"), "utf8")) as { url: string };
  const token = readFileSync(join(dataDir, "admin.token"), "utf8").trim();
  const answer = await fetch(`${control.url}/v1/events?limit=5000`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(answer.status, 200, await answer.clone().text());
  const events = (await answer.json()) as RecordedEvent[];
  return events.filter((e) => e.requestId === requestId);
}

export interface Refusal {
  status: number;
  code: unknown;
  challenge: string | null;
  event: RecordedEvent;
  /** Everything recorded for the request, as text: to prove no credential is in it. */
  recorded: string;
}

/** A refused request: its status, problem code, challenge and the one security event it caused. */
export async function refusal(dataDir: string, res: Response): Promise<Refusal> {
  assert.match(res.headers.get("content-type") ?? "", /^application\/problem\+json/);
  const problem = (await res.json()) as { code?: unknown };
  const events = await eventsFor(dataDir, res);
  assert.equal(events.length, 1, `expected one security event, got ${JSON.stringify(events)}`);
  return { status: res.status, code: problem.code, challenge: res.headers.get("www-authenticate"), event: events[0]!, recorded: JSON.stringify(events) };
}

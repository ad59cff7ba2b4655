// What the broker attack tests share: one probe handler that performs the capability calls a
// request lists and reports each outcome (value, or the error's name and code), deployed as
// several functions with different grants; and readers for the audit records of a request.
import assert from "node:assert/strict";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { setTimeout as sleep } from "node:timers/promises";

/** calls: ["secrets.get", NAME] | ["kv", NS, "get"|"put"|"delete"|"list", ...args] | ["objects", B, op, ...args] | ["fetch", URL] | ["invoke", FN, PAYLOAD] */
export const PROBE = `
export async function handler(event, ctx) {
  const input = event.body ? JSON.parse(event.body) : {};
  const results = [];
  for (const call of input.calls ?? []) {
    try {
      results.push({ ok: true, value: (await perform(ctx, call)) ?? null });
    } catch (e) {
      results.push({ ok: false, name: e.name, code: e.code ?? null, message: String(e.message) });
    }
  }
  return { results, caller: ctx.caller ?? null, identity: ctx.identity ?? null };
}

async function perform(ctx, [what, ...args]) {
  if (what === "secrets.get") return ctx.secrets.get(args[0]);
  if (what === "kv") return ctx.kv(args[0])[args[1]](...args.slice(2));
  if (what === "objects") {
    const value = await ctx.objects(args[0])[args[1]](...args.slice(2));
    return value instanceof Uint8Array ? Buffer.from(value).toString() : value;
  }
  if (what === "fetch") {
    const res = await ctx.fetch(args[0]);
    return { status: res.status, text: await res.text() };
  }
  if (what === "invoke") return ctx.invoke(args[0], args[1]);
  throw new Error("unknown probe call " + what);
}
`;

/**
 * A manifest with one function per entry on `POST /<name>`, public and with the WAF off: these
 * tests send SSRF and traversal payloads on purpose, and the WAF would stop them at the edge
 * before the broker (the boundary under test) saw them.
 */
export function brokerManifest(app: string, functions: Record<string, { handler: string; extra?: string }>, header: string[] = []): string {
  const lines = [`app: ${app}`, ...header, "functions:"];
  for (const [name, f] of Object.entries(functions)) {
    lines.push(`  ${name}:`, `    handler: ${f.handler}`);
    if (f.extra) lines.push(...f.extra.split("\n").map((l) => `    ${l}`));
    lines.push("    triggers:", `      - http: { method: POST, path: /${name}, auth: none, waf: off }`);
  }
  return `${lines.join("\n")}\n`;
}

export interface Outcome {
  ok: boolean;
  value?: unknown;
  name?: string;
  code?: string | null;
  message?: string;
}

export async function probe(fetcher: (path: string, init?: RequestInit) => Promise<Response>, fn: string, calls: unknown[][], headers: Record<string, string> = {}) {
  const res = await fetcher(`/${fn}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ calls }) });
  assert.equal(res.status, 200, `probe ${fn} answered ${res.status}: ${await res.clone().text()}`);
  const body = (await res.json()) as { results: Outcome[]; caller: unknown; identity: unknown };
  return { res, requestId: res.headers.get("x-request-id")!, ...body };
}

export interface AuditRow {
  actorType: string;
  actorId: string;
  action: string;
  target: string;
  outcome: string;
  details: Record<string, unknown>;
}

/**
 * Audit records of one request (or, for calls made outside any request, of one function) with this
 * action; waits (bounded) for batched records to land.
 */
export async function auditFor(dataDir: string, of: string | { actor: string }, action: string, options = { wait: true }): Promise<AuditRow[]> {
  const db = new DatabaseSync(join(dataDir, "audit.db"), { readOnly: true });
  const [column, value] = typeof of === "string" ? ["request_id", of] : ["actor_id", of.actor];
  try {
    for (let i = 0; i < 100; i++) {
      const rows = db
        .prepare(`SELECT actor_type, actor_id, action, target, outcome, details FROM audit_records WHERE ${column} = ? AND action = ? ORDER BY seq`)
        .all(value, action) as Array<Record<string, string>>;
      if (rows.length > 0 || !options.wait) {
        return rows.map((r) => ({
          actorType: r["actor_type"]!,
          actorId: r["actor_id"]!,
          action: r["action"]!,
          target: r["target"]!,
          outcome: r["outcome"]!,
          details: JSON.parse(r["details"]!) as Record<string, unknown>,
        }));
      }
      await sleep(50);
    }
    return [];
  } finally {
    db.close();
  }
}

// The control API: what the CLI talks to. It listens on loopback only, on its own port, refuses
// every request without the admin token written into the data dir at start, and writes an audit
// record for every call, allowed or refused, before answering.
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Server } from "node:http";
import type { Logger } from "pino";
import { BulwarkError, isBulwarkError } from "../core/errors.ts";
import type { Actor, Outcome } from "../security/audit/index.ts";
import { readJson, sendError, sendJson } from "./http.ts";
import type { Platform } from "./platform.ts";
import type { ControlRequest, ControlRoute } from "./route.ts";
import { functionRoutes } from "./routes/functions.ts";

const ROUTES: readonly ControlRoute[] = [...functionRoutes];

export function createControlServer(platform: Platform, adminToken: string, log: Logger): Server {
  const expected = digest(adminToken);
  return createServer({ headersTimeout: 10_000, requestTimeout: 120_000 }, (req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? "/", "http://control");
    const found = findRoute(req.method ?? "GET", url.pathname);
    const actor: Actor = authorized(req.headers.authorization, expected)
      ? { type: "user", id: "admin" }
      : { type: "anonymous", id: req.socket.remoteAddress ?? "unknown" };
    const r: ControlRequest = {
      platform,
      params: found?.params ?? [],
      url,
      req,
      requestId,
      actor,
      body: (limit = 1024 * 1024) => readJson(req, limit),
    };
    let outcome: Outcome = "success";
    let error: unknown;
    let value: unknown;
    try {
      if (actor.type === "anonymous") {
        outcome = "denied";
        throw new BulwarkError("BWK_UNAUTHORIZED", "the control API needs the admin token", {
          headers: { "www-authenticate": 'Bearer realm="bulwark-control"' },
        });
      }
      if (!found) throw new BulwarkError("BWK_NOT_FOUND", `no control API route for ${req.method} ${url.pathname}`);
      value = await found.route.handle(r);
    } catch (e) {
      error = e;
      if (outcome === "success") outcome = "failure";
      if (!isBulwarkError(e) || e.status >= 500) log.error({ requestId, err: e instanceof Error ? e.message : String(e) }, "control request failed");
    }
    if (found?.route.action !== null) {
      platform.audit.append({
        actor,
        action: found?.route.action ?? "control.unknown",
        target: found?.route.target?.(r) ?? url.pathname,
        outcome,
        requestId,
        details: { method: req.method ?? "", ...(isBulwarkError(error) ? { code: error.code } : error ? { code: "BWK_INTERNAL" } : {}) },
      });
    }
    if (error === undefined) sendJson(res, 200, value);
    else sendError(res, error, requestId);
  }
}

function findRoute(method: string, path: string): { route: ControlRoute; params: string[] } | undefined {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (!m) continue;
    try {
      return { route, params: m.slice(1).map((p) => decodeURIComponent(p)) };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/** Compares digests so the comparison takes the same time whatever the token's length or content. */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(header ?? "");
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

// The control API: what the CLI talks to, on its own listener (loopback unless it has TLS:
// endpoint.ts), never the public port. With TLS every answer carries HSTS, and a peer that fails
// the handshake (plain HTTP sent to the TLS port) is a security event. Every call is
// authenticated (a session from `bulwark login`, a CI token, or the local operator token in the
// data dir: auth/people.ts), authorized for the action it asks (route-access.ts, auth/guard.ts),
// refused to web pages (browser-guard.ts), and written to the audit log with the real actor,
// allowed or refused, before the answer goes out.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { Logger } from "pino";
import { BulwarkError, isBulwarkError } from "../core/errors.ts";
import { HSTS, serverTls, type TlsMaterial } from "../edge/tls.ts";
import type { Actor, Outcome } from "../security/audit/index.ts";
import { readJson, sendError, sendJson, sendText } from "./http.ts";
import type { Platform } from "./platform.ts";
import { TextResponse, type ControlRequest, type ControlRoute } from "./route.ts";
import { accessOf, actionIn, type Access } from "./route-access.ts";
import { actorOf } from "./auth/principal.ts";
import { browserRequest } from "./browser-guard.ts";
import { auditRoutes } from "./routes/audit.ts";
import { authRoutes } from "./routes/auth.ts";
import { functionRoutes } from "./routes/functions.ts";
import { tokenRoutes } from "./routes/tokens.ts";
import { userRoutes } from "./routes/users.ts";
import { keyRoutes } from "./routes/keys.ts";
import { observeRoutes } from "./routes/observe.ts";
import { siemRoutes } from "./routes/siem.ts";
import { policyRoutes } from "./routes/policy.ts";
import { secretRoutes } from "./routes/secrets.ts";
import { eventRoutes } from "./routes/events.ts";
import { intelRoutes } from "./routes/intel.ts";
import { artifactRoutes } from "./routes/artifacts.ts";
import { quarantineRoutes } from "./routes/quarantine.ts";
import { limitRoutes } from "./routes/limits.ts";

export const ROUTES: readonly ControlRoute[] = [...authRoutes, ...userRoutes, ...tokenRoutes, ...functionRoutes, ...keyRoutes, ...auditRoutes, ...observeRoutes, ...siemRoutes, ...secretRoutes, ...policyRoutes, ...eventRoutes, ...intelRoutes, ...artifactRoutes, ...quarantineRoutes, ...limitRoutes];

export function createControlServer(platform: Platform, adminToken: string, log: Logger, tls?: TlsMaterial): Server {
  const authenticate = platform.people.authenticator(adminToken);
  const settings = { headersTimeout: 10_000, requestTimeout: 120_000 };
  if (!tls) return createServer(settings, (req, res) => void handle(req, res));
  const server = createHttpsServer({ ...settings, ...serverTls(tls) }, (req, res) => {
    res.setHeader("strict-transport-security", HSTS);
    void handle(req, res);
  });
  server.on("tlsClientError", (e: NodeJS.ErrnoException, socket) => {
    // A client hanging up mid-handshake (one that refused the certificate, a port scan) is its
    // own business; a peer that spoke something else than TLS, plain HTTP above all, is recorded.
    if (e.code === "ECONNRESET") return;
    platform.events.record({ type: "tls.handshake_failed", severity: "low", route: "control", clientIp: socket.remoteAddress ?? "unknown", reason: `TLS handshake with the control API failed: ${e.code ?? e.message}` });
  });
  return server;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const url = new URL(req.url ?? "/", "http://control");
    const found = findRoute(req.method ?? "GET", url.pathname);
    const clientIp = req.socket.remoteAddress ?? "unknown";
    const { principal, failure } = authenticate(req.headers.authorization);
    const actor: Actor = actorOf(principal, clientIp);
    const r: ControlRequest = {
      platform,
      params: found?.params ?? [],
      url,
      req,
      requestId,
      actor,
      principal,
      clientIp,
      stage: "prod",
      audit: {},
      require: (action) => platform.people.guard(action, principal),
      body: (limit = 1024 * 1024) => readJson(req, limit),
    };
    let outcome: Outcome = "success";
    let error: unknown;
    let value: unknown;
    let access: Access | undefined;
    try {
      const fromBrowser = browserRequest(req.headers, tls !== undefined);
      if (fromBrowser !== undefined) {
        r.audit.details = { refused: fromBrowser };
        platform.events.record({ type: "control.browser_request", severity: "high", reason: `control API request refused: ${fromBrowser}`, clientIp, requestId, route: "control" });
        throw new BulwarkError("BWK_FORBIDDEN", "the control API answers the bulwark CLI, not web pages");
      }
      if (failure !== undefined) {
        platform.events.record({ type: "auth.failure", severity: "medium", reason: `control API credential refused: ${failure}`, clientIp, requestId, route: "control" });
      }
      if (!found) {
        // An unknown path is told apart (404) only to a caller with a valid credential.
        platform.people.guard("auth.whoami", principal, failure);
        throw new BulwarkError("BWK_NOT_FOUND", `no control API route for ${req.method} ${url.pathname}`);
      }
      access = accessOf(found.route, r, platform.people, failure);
      platform.people.guard(access.action, principal, failure, access);
      value = await found.route.handle(r);
    } catch (e) {
      error = e;
      outcome = isBulwarkError(e) && DENIALS.has(e.code) ? "denied" : "failure";
      if (!isBulwarkError(e) || e.status >= 500) log.error({ requestId, err: e instanceof Error ? e.message : String(e) }, "control request failed");
    }
    const action = found ? (access?.action ?? actionIn(found.route, "prod")) : "control.unknown";
    if (action !== null && !(found?.route.pollable === true && outcome === "success")) {
      platform.audit.append({
        actor: r.audit.actor ?? actor,
        action,
        target: r.audit.target ?? found?.route.target?.(r) ?? url.pathname,
        outcome,
        requestId,
        details: { method: req.method ?? "", ...(access?.stage === undefined ? {} : { stage: access.stage }), ...r.audit.details, ...(failure === undefined ? {} : { credential: failure }), ...(isBulwarkError(error) ? { code: error.code } : error ? { code: "BWK_INTERNAL" } : {}) },
      });
    }
    if (error === undefined) value instanceof TextResponse ? sendText(res, value) : sendJson(res, 200, value);
    else sendError(res, error, requestId);
  }
}

/** Refusals: the caller was not let through, as opposed to a call that failed. */
const DENIALS: ReadonlySet<string> = new Set(["BWK_UNAUTHORIZED", "BWK_FORBIDDEN", "BWK_STEP_UP_REQUIRED", "BWK_MFA_REQUIRED", "BWK_LIMIT_EXCEEDED"]);

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

// The control API: what the CLI talks to. It listens on loopback only, on its own port, and
// refuses every request that does not carry the admin token written into the data dir at start.
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "pino";
import { BulwarkError, isBulwarkError } from "../core/errors.ts";
import { readJson, sendError, sendJson } from "./http.ts";
import type { Platform } from "./platform.ts";

const MAX_BODY = 64 * 1024 * 1024;

interface Route {
  method: string;
  pattern: RegExp;
  handle(platform: Platform, params: string[], req: IncomingMessage, url: URL): Promise<unknown> | unknown;
}

const ROUTES: Route[] = [
  { method: "GET", pattern: /^\/v1\/health$/, handle: (p) => p.health() },
  { method: "GET", pattern: /^\/v1\/functions$/, handle: (p) => p.listFunctions() },
  {
    method: "POST",
    pattern: /^\/v1\/deploy$/,
    handle: async (p, _, req) => p.deploy((await readJson(req, MAX_BODY)) as { manifest: unknown; bundles: unknown }),
  },
  {
    method: "POST",
    pattern: /^\/v1\/functions\/([^/]+)\/invoke$/,
    handle: async (p, [fn], req) => p.invokeDirect(fn!, ((await readJson(req, MAX_BODY)) as { event?: unknown }).event),
  },
  { method: "GET", pattern: /^\/v1\/functions\/([^/]+)\/versions$/, handle: (p, [fn]) => p.versions(fn!) },
  {
    method: "POST",
    pattern: /^\/v1\/functions\/([^/]+)\/rollback$/,
    handle: async (p, [fn], req) => p.rollback(fn!, ((await readJson(req, 4096)) as { to?: unknown }).to),
  },
  {
    method: "GET",
    pattern: /^\/v1\/functions\/([^/]+)\/logs$/,
    handle: (p, [fn], _, url) => p.logs(fn!, Number(url.searchParams.get("after") ?? 0), Number(url.searchParams.get("limit") ?? 500)),
  },
];

export function createControlServer(platform: Platform, adminToken: string, log: Logger): Server {
  const expected = digest(adminToken);
  return createServer({ headersTimeout: 10_000, requestTimeout: 120_000 }, (req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const requestId = randomUUID();
    try {
      if (!authorized(req.headers.authorization, expected)) {
        throw new BulwarkError("BWK_UNAUTHORIZED", "the control API needs the admin token", {
          headers: { "www-authenticate": 'Bearer realm="bulwark-control"' },
        });
      }
      const url = new URL(req.url ?? "/", "http://control");
      for (const route of ROUTES) {
        const m = route.pattern.exec(url.pathname);
        if (!m) continue;
        if (route.method !== req.method) continue;
        const params = m.slice(1).map((p) => decodeURIComponent(p));
        sendJson(res, 200, await route.handle(platform, params, req, url));
        return;
      }
      throw new BulwarkError("BWK_NOT_FOUND", `no control API route for ${req.method} ${url.pathname}`);
    } catch (error) {
      if (!isBulwarkError(error) || error.status >= 500) {
        log.error({ requestId, err: error instanceof Error ? error.message : String(error) }, "control request failed");
      }
      sendError(res, error, requestId);
    }
  }
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}

/** Compares digests so the comparison takes the same time whatever the token's length or content. */
function authorized(header: string | undefined, expected: Buffer): boolean {
  const match = /^Bearer ([A-Za-z0-9_-]{16,128})$/.exec(header ?? "");
  return match !== null && timingSafeEqual(digest(match[1]!), expected);
}

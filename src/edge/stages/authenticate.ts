// Proves who is calling, as the route's `auth:` says: nothing for `none`, an API key for `apiKey`,
// a bearer JWT for `jwt`. Refusals are 401 with a Bearer challenge and an auth.failure event; the
// credential itself never leaves the edge (event.ts drops it from the function's headers).
import { readCredential } from "../../core/auth/credentials.ts";
import { verifyApiKey } from "../auth/api-key.ts";
import { unauthenticated, unavailable } from "../auth/refusals.ts";
import type { Exchange, EdgeDeps, Stage } from "../exchange.ts";

export const authenticate: Stage = async (x, deps) => {
  const route = x.route!;
  const mode = route.trigger.auth;
  if (mode === "none") return;
  // A spec from before auth was required, or a mode this edge does not know: refuse, never open.
  if (mode !== "apiKey" && mode !== "jwt") {
    throw unauthenticated(x, deps.events, { reason: "no auth mode", detail: "this route accepts no credential", error: "invalid_request" });
  }
  const credential = readCredential(x.req.rawHeaders, { apiKeyHeader: mode === "apiKey" });
  if (credential.kind === "none") {
    const detail = mode === "apiKey" ? "this route needs an API key (Authorization: Bearer or X-Api-Key)" : "this route needs a bearer token";
    throw unauthenticated(x, deps.events, { reason: "missing", detail });
  }
  if (credential.kind === "malformed") {
    throw unauthenticated(x, deps.events, { reason: "malformed", detail: credential.detail, error: "invalid_request" });
  }
  if (mode === "apiKey") apiKey(x, deps, credential.token);
  else await jwt(x, deps, credential.token);
};

function apiKey(x: Exchange, deps: EdgeDeps, token: string): void {
  const result = verifyApiKey(token, deps.auth.findKey, Date.now());
  if (result.ok) {
    x.principal = result.principal;
    return;
  }
  // Unknown, revoked and expired keys read the same to the client; the event tells them apart.
  const known = "keyName" in result ? { principal: `apikey:${result.keyName}`, details: { keyPrefix: result.prefix } } : {};
  throw unauthenticated(x, deps.events, { reason: result.reason, detail: "the API key is not valid", error: "invalid_token", ...known });
}

async function jwt(x: Exchange, deps: EdgeDeps, token: string): Promise<void> {
  const verifier = deps.auth.jwt(x.route!.function);
  if (verifier === undefined) throw unavailable(x, deps.events, `function ${x.route!.function} has a jwt route but no jwt config`);
  const result = await verifier.verify(token);
  if (result.ok) {
    const { subject, roles, scopes } = result.principal;
    x.principal = { identity: { subject, roles, via: "jwt" }, scopes, claims: result.claims };
    return;
  }
  if ("unavailable" in result) throw unavailable(x, deps.events, result.unavailable);
  const detail = result.reason === "expired" ? "the token has expired" : "the token is not valid";
  throw unauthenticated(x, deps.events, { reason: result.reason, detail, error: "invalid_token", details: tokenHeader(token) });
}

/** The unverified alg and kid, for the investigator (an alg of "none" says what was tried). Not secret. */
function tokenHeader(token: string): Record<string, unknown> {
  try {
    const header = JSON.parse(Buffer.from(token.slice(0, token.indexOf(".")), "base64url").toString("utf8")) as unknown;
    if (typeof header !== "object" || header === null) return {};
    const { alg, kid } = header as { alg?: unknown; kid?: unknown };
    return { ...(typeof alg === "string" ? { alg: alg.slice(0, 32) } : {}), ...(typeof kid === "string" ? { kid: kid.slice(0, 64) } : {}) };
  } catch {
    return {};
  }
}

// The auth parts of a manifest that JSON Schema cannot say well: every http route says how its
// callers authenticate (never open by default), what roles and scopes apply to which mode, and
// the app's `jwt:` block (one key source, algorithms that fit it, a JWKS URL that is https).

import { isLoopbackHost } from "../ipaddr.ts";
import type { Fail, Path } from "./problem.ts";
import type { RawHttpTrigger, RawJwt } from "./schema.ts";
import { DEFAULTS, LIMITS, SYMMETRIC_JWT_ALGORITHMS, type AuthMode, type JwtAlgorithm, type JwtConfig } from "./types.ts";
import { formatDuration, parseDuration } from "./units.ts";

export interface RouteAuth {
  auth: AuthMode;
  roles?: string[];
  scopes?: string[];
}

/** `at` is the trigger's http mapping; `jwt` tells whether the app configured token checks. */
export function routeAuth(http: RawHttpTrigger, at: Path, fail: Fail, jwt: JwtConfig | undefined): RouteAuth {
  if (http.auth === undefined) {
    return fail([...at, "auth"], "is required: say auth: none for a deliberately public route, or apiKey or jwt", { path: at, key: true });
  }
  if (http.auth === "jwt" && jwt === undefined) {
    fail([...at, "auth"], "jwt needs the app's jwt: block (issuer, audience and jwksUrl)");
  }
  if (http.roles !== undefined && http.auth === "none") {
    fail([...at, "roles"], "need an authenticated route (auth: apiKey or jwt): a public caller has no roles");
  }
  if (http.scopes !== undefined && http.auth !== "jwt") {
    fail([...at, "scopes"], "are read from a JWT and need auth: jwt (an API key is scoped with `bulwark keys create --routes`)");
  }
  const out: RouteAuth = { auth: http.auth };
  if (http.roles !== undefined) out.roles = [...http.roles];
  if (http.scopes !== undefined) out.scopes = [...http.scopes];
  return out;
}

const SYMMETRIC: ReadonlySet<string> = new Set(SYMMETRIC_JWT_ALGORITHMS);

export function normalizeJwt(raw: RawJwt, fail: Fail): JwtConfig {
  const at = ["jwt"];
  if (raw.jwksUrl !== undefined && raw.secretName !== undefined) {
    fail([...at, "secretName"], "use jwksUrl or secretName, not both: one key source per app, so a token cannot choose the kind of key");
  }
  if (raw.jwksUrl === undefined && raw.secretName === undefined) {
    fail(at, "needs a key source: jwksUrl (the issuer's public keys) or secretName (a shared HMAC secret)", { path: at, key: true });
  }
  const config: JwtConfig = {
    issuer: raw.issuer,
    audience: typeof raw.audience === "string" ? [raw.audience] : [...raw.audience],
    algorithms: algorithms(raw, fail),
    rolesClaim: raw.rolesClaim ?? DEFAULTS.jwt.rolesClaim,
    scopesClaim: raw.scopesClaim ?? DEFAULTS.jwt.scopesClaim,
    clockSkewMs: raw.clockSkew === undefined ? DEFAULTS.jwt.clockSkewMs : clockSkew(raw.clockSkew, [...at, "clockSkew"], fail),
  };
  if (raw.jwksUrl !== undefined) config.jwksUrl = jwksUrl(raw.jwksUrl, [...at, "jwksUrl"], fail);
  if (raw.secretName !== undefined) config.secretName = raw.secretName;
  return config;
}

/**
 * Public keys only verify asymmetric algorithms and a shared secret only HMAC ones. Mixing them
 * is how HS256 tokens "signed" with a public key get accepted (algorithm confusion, CVE-2015-9235).
 */
function algorithms(raw: RawJwt, fail: Fail): JwtAlgorithm[] {
  const at = ["jwt", "algorithms"];
  if (raw.secretName !== undefined) {
    if (raw.algorithms === undefined) return fail(at, "is required with secretName: name the HMAC algorithm, like [HS256]", { path: ["jwt"], key: true });
    raw.algorithms.forEach((alg, i) => {
      if (!SYMMETRIC.has(alg)) fail([...at, i], `${alg} is verified with a public key: use jwksUrl, or an HS algorithm with secretName`);
    });
    return [...raw.algorithms];
  }
  const algs = raw.algorithms ?? [...DEFAULTS.jwt.algorithms];
  algs.forEach((alg, i) => {
    if (SYMMETRIC.has(alg)) fail([...at, i], `${alg} needs a shared secret (secretName), never keys from a JWKS: use an asymmetric algorithm like RS256 or ES256`);
  });
  return [...algs];
}

/** Keys fetched over plain HTTP could be swapped on the way; only loopback is exempt. */
function jwksUrl(value: string, at: Path, fail: Fail): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return fail(at, "must be an absolute https:// URL");
  }
  if (url.username !== "" || url.password !== "") fail(at, "must not carry a user name or password");
  if (url.protocol === "https:") return url.href;
  if (url.protocol === "http:" && isLoopbackHost(url.hostname)) return url.href;
  return fail(at, "must be https:// (plain http only on loopback: 127.0.0.1, [::1] or localhost)");
}

function clockSkew(value: string, at: Path, fail: Fail): number {
  let ms: number;
  try {
    ms = parseDuration(value);
  } catch (e) {
    return fail(at, (e as Error).message);
  }
  if (ms > LIMITS.maxClockSkewMs) fail(at, `must be at most ${formatDuration(LIMITS.maxClockSkewMs)}, got ${formatDuration(ms)}`);
  return ms;
}

// Verifies bearer JWTs for one app's `jwt:` block with jose: signature with a key from the JWKS
// (or the named shared secret), algorithm from the configured list only, then iss, aud, exp and
// nbf with the configured clock skew (RFC 7519 §7.2, RFC 8725 §3.1-3.9), and the token's type
// (RFC 8725 §3.11).
//
// The JWKS is fetched on first use, cached for a minute (so a withdrawn key stops verifying soon),
// and fetched again when a token names a kid the cache does not hold, at most once per cooldown: a
// flood of tokens with made-up kids costs the issuer one request per cooldown, not one per token.
// After a failed fetch the verifier answers "unavailable" for a short backoff instead of fetching
// again on every request.
import { createRemoteJWKSet, customFetch, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from "jose";
import { principalFromClaims, type TokenPrincipal } from "../../core/auth/claims.ts";
import type { JwtConfig } from "../../core/manifest/types.ts";
import { VerifiedTokens } from "./verified-tokens.ts";

export type JwtFailureReason =
  | "malformed"
  | "expired"
  | "not yet valid"
  | "bad signature"
  | "algorithm not allowed"
  | "wrong issuer"
  | "wrong audience"
  | "unknown kid"
  | "invalid claims"
  | "wrong token type";

export type JwtResult =
  | { ok: true; principal: TokenPrincipal; claims: JWTPayload }
  | { ok: false; reason: JwtFailureReason }
  /** The keys to verify with could not be had (issuer down, secret missing): not the caller's fault. */
  | { ok: false; unavailable: string };

export interface JwtVerifierOptions {
  /** The value of a named platform secret, for `secretName` (HMAC) configs. */
  secret(name: string): Uint8Array;
  /** Least time between two JWKS fetches caused by unknown kids (default 30 s). */
  cooldownMs?: number;
}

/**
 * An issuer withdraws a key from its JWKS when the key leaked: tokens signed with it must stop
 * verifying soon, not after jose's default 10 minutes. A JWKS trusted for 60 s, plus a token
 * verified at the end of it trusted for the verified-token cache's 60 s, makes a withdrawn key
 * stop working within 2 minutes. Refreshing costs the issuer one fetch per minute while tokens
 * arrive; unknown kids still fetch at most once per cooldown, so they cannot make it more.
 */
const JWKS_MAX_AGE_MS = 60_000;
const FETCH_TIMEOUT_MS = 5_000;
const FAILED_FETCH_BACKOFF_MS = 5_000;
const MAX_JWKS_BYTES = 512 * 1024;
/** RFC 7518 §3.2: an HMAC key at least as long as the hash output. */
const HMAC_KEY_BYTES: Record<string, number> = { HS256: 32, HS384: 48, HS512: 64 };

class KeysUnavailable extends Error {
  override name = "KeysUnavailable";
}

export class JwtVerifier {
  readonly #config: JwtConfig;
  readonly #key: JWTVerifyGetKey;
  readonly #verified: VerifiedTokens<Extract<JwtResult, { ok: true }>> | undefined;
  #retryAt = 0;

  constructor(config: JwtConfig, options: JwtVerifierOptions) {
    this.#config = config;
    this.#key = config.jwksUrl !== undefined ? this.#remoteKeys(config.jwksUrl, options) : this.#sharedSecret(config, options);
    // A shared secret is re-read on every check so that rotating it takes effect at once.
    this.#verified = config.jwksUrl !== undefined ? new VerifiedTokens() : undefined;
  }

  async verify(token: string): Promise<JwtResult> {
    const cached = this.#verified?.get(token);
    if (cached !== undefined) return cached;
    const result = await this.#verifyFully(token);
    if (result.ok) this.#verified?.set(token, result, result.claims.exp!);
    return result;
  }

  async #verifyFully(token: string): Promise<JwtResult> {
    if (!isCanonicalCompact(token)) return { ok: false, reason: "malformed" };
    const config = this.#config;
    const skewSeconds = Math.floor(config.clockSkewMs / 1000);
    let payload: JWTPayload;
    let typ: unknown;
    try {
      ({ payload, protectedHeader: { typ } } = await jwtVerify(token, this.#key, {
        issuer: config.issuer,
        audience: config.audience,
        algorithms: config.algorithms,
        clockTolerance: skewSeconds,
        requiredClaims: ["exp"],
      }));
    } catch (e) {
      if (e instanceof KeysUnavailable) return { ok: false, unavailable: e.message };
      return { ok: false, reason: failureReason(e) };
    }
    if (!isAccessTokenType(typ)) return { ok: false, reason: "wrong token type" };
    // RFC 7519 §4.1.6 leaves a future iat to policy: a token issued after now (beyond the skew)
    // comes from a forger or a broken issuer clock, and would outlive any age limit based on it.
    if (typeof payload.iat === "number" && payload.iat > Date.now() / 1000 + skewSeconds) return { ok: false, reason: "not yet valid" };
    const claims = principalFromClaims(payload, config.rolesClaim, config.scopesClaim);
    if (!claims.ok) return { ok: false, reason: "invalid claims" };
    return { ok: true, principal: claims.principal, claims: payload };
  }

  #remoteKeys(url: string, options: JwtVerifierOptions): JWTVerifyGetKey {
    const jwks = createRemoteJWKSet(new URL(url), {
      cooldownDuration: options.cooldownMs ?? 30_000,
      cacheMaxAge: JWKS_MAX_AGE_MS,
      timeoutDuration: FETCH_TIMEOUT_MS,
      [customFetch]: (input: string, init: RequestInit) => this.#fetchJwks(input, init),
    });
    return async (header, token) => {
      try {
        return await jwks(header, token);
      } catch (e) {
        // A kid the issuer does not publish, or an ambiguous one, is the token's fault.
        if (hasCode(e, "ERR_JWKS_NO_MATCHING_KEY", "ERR_JWKS_MULTIPLE_MATCHING_KEYS", "ERR_JOSE_NOT_SUPPORTED")) throw e;
        throw new KeysUnavailable(`the JWKS at ${url} could not be used: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
  }

  /** Fetches with a size cap, and backs off after a failure so a dead issuer is not hammered. */
  async #fetchJwks(input: string, init: RequestInit): Promise<Response> {
    if (Date.now() < this.#retryAt) throw new Error("backing off after a failed fetch");
    try {
      const res = await fetch(input, init);
      const body = await readCapped(res, MAX_JWKS_BYTES);
      if (res.status !== 200) this.#retryAt = Date.now() + FAILED_FETCH_BACKOFF_MS;
      return new Response(body, { status: res.status, headers: res.headers });
    } catch (e) {
      this.#retryAt = Date.now() + FAILED_FETCH_BACKOFF_MS;
      throw e;
    }
  }

  #sharedSecret(config: JwtConfig, options: JwtVerifierOptions): JWTVerifyGetKey {
    const name = config.secretName!;
    const minBytes = Math.max(...config.algorithms.map((a) => HMAC_KEY_BYTES[a] ?? 0));
    return () => {
      let secret: Uint8Array;
      try {
        secret = options.secret(name);
      } catch {
        throw new KeysUnavailable(`the jwt secret ${name} could not be read`);
      }
      if (secret.length < minBytes) throw new KeysUnavailable(`the jwt secret ${name} is shorter than ${minBytes} bytes`);
      return secret;
    };
  }
}

function failureReason(e: unknown): JwtFailureReason {
  if (hasCode(e, "ERR_JWT_EXPIRED")) return "expired";
  if (hasCode(e, "ERR_JWS_SIGNATURE_VERIFICATION_FAILED")) return "bad signature";
  if (hasCode(e, "ERR_JOSE_ALG_NOT_ALLOWED")) return "algorithm not allowed";
  if (hasCode(e, "ERR_JWKS_NO_MATCHING_KEY", "ERR_JWKS_MULTIPLE_MATCHING_KEYS")) return "unknown kid";
  if (hasCode(e, "ERR_JWT_CLAIM_VALIDATION_FAILED")) {
    const { claim, reason } = e as { claim?: string; reason?: string };
    if (reason === "check_failed" && claim === "nbf") return "not yet valid";
    if (reason === "check_failed" && claim === "iss") return "wrong issuer";
    if (reason === "check_failed" && claim === "aud") return "wrong audience";
    return "invalid claims";
  }
  return "malformed";
}

/**
 * Issuers sign other JWTs with the same keys: DPoP proofs (dpop+jwt), security event and logout
 * tokens (secevent+jwt, logout+jwt), OpenID Federation statements (entity-statement+jwt), client
 * authentication assertions and ID tokens that an issuer types as such (e.g. id_token+jwt).
 * Replayed as a bearer token, one would pass every other check (cross-JWT confusion, RFC 8725
 * §2.8), so a typ other than a plain JWT (RFC 7519 §5.1) or an access token (RFC 9068 §2.1) is
 * refused; a token without typ is taken, as most issuers omit it. Media types are compared
 * case-insensitively, and one without "/" is read with "application/" in front (RFC 7515 §4.1.9).
 */
const ACCESS_TOKEN_TYPES = new Set(["application/jwt", "application/at+jwt"]);

function isAccessTokenType(typ: unknown): boolean {
  if (typ === undefined) return true;
  if (typeof typ !== "string") return false;
  const type = typ.toLowerCase();
  return ACCESS_TOKEN_TYPES.has(type.includes("/") ? type : `application/${type}`);
}

/**
 * RFC 7515 §7.1: three base64url parts without padding. Decoders also take padding and any value
 * of the unused low bits of the last character, which makes one signature many token strings
 * (signature malleability): a token blocklisted, logged or replay-checked by its text would come
 * back as a twin. Only the one canonical spelling of each part is taken.
 */
function isCanonicalCompact(token: string): boolean {
  const parts = token.split(".");
  return parts.length === 3 && parts.every((part) => Buffer.from(part, "base64url").toString("base64url") === part);
}

function hasCode(e: unknown, ...codes: string[]): boolean {
  return typeof e === "object" && e !== null && codes.includes((e as { code?: unknown }).code as string);
}

async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (res.body) {
    for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
      size += chunk.length;
      if (size > max) throw new Error(`the JWKS is larger than ${max} bytes`);
      chunks.push(chunk);
    }
  }
  return Buffer.concat(chunks, size);
}

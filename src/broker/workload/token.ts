// Workload identity for ctx.invoke: the broker mints a short-lived token saying "function A calls
// function B", signed with the platform's Ed25519 key (JWS EdDSA, RFC 8037); the callee's
// invocation verifies it before anything runs: signature, explicit type (RFC 8725 §3.11),
// issuer, audience = the callee (RFC 7519 §4.1.3), not expired, and not seen before (jti).
// The callee learns only `caller = { function: A }` (and the tenant partition, under tenant
// isolation); the identity of whoever called A is never forwarded as B's own. `depth` counts the
// hops from the request's first invocation (A→B is 1): signed, so no hop can reset it.
import { randomUUID } from "node:crypto";
import { errors, jwtVerify, SignJWT } from "jose";
import { BulwarkError } from "../../core/errors.ts";
import { FUNCTION_NAME_PATTERN, TENANT_PATTERN } from "../../core/policy/index.ts";
import { ReplayCache } from "./replay-cache.ts";
import type { WorkloadKey } from "./signing-key.ts";

/** At most 60 s; 30 s covers a queue wait and the hop itself. */
export const WORKLOAD_TOKEN_TTL_SECONDS = 30;
const TYPE = "bwk-workload+jwt";
const ISSUER = "bulwark:platform";
const REPLAY_CACHE_SIZE = 100_000;
const FUNCTION = new RegExp(FUNCTION_NAME_PATTERN, "u");
const TENANT = new RegExp(TENANT_PATTERN, "u");

export interface WorkloadClaims {
  caller: string;
  callee: string;
  /** ctx.invoke hops from the request's first invocation to the callee: 1 or more. */
  depth: number;
  tenant?: string;
}

export class WorkloadTokens {
  readonly #key: WorkloadKey;
  readonly #replays: ReplayCache;
  readonly #clock: () => number;

  constructor(key: WorkloadKey, options: { clock?: () => number; replayCacheSize?: number } = {}) {
    this.#key = key;
    this.#clock = options.clock ?? Date.now;
    this.#replays = new ReplayCache(options.replayCacheSize ?? REPLAY_CACHE_SIZE);
  }

  async mint(claims: WorkloadClaims): Promise<string> {
    const now = Math.floor(this.#clock() / 1000);
    const payload: Record<string, string | number> = { depth: claims.depth };
    if (claims.tenant !== undefined) payload["tenant"] = claims.tenant;
    return new SignJWT(payload)
      .setProtectedHeader({ alg: "EdDSA", typ: TYPE })
      .setIssuer(ISSUER)
      .setSubject(`function:${claims.caller}`)
      .setAudience(`function:${claims.callee}`)
      .setIssuedAt(now)
      .setExpirationTime(now + WORKLOAD_TOKEN_TTL_SECONDS)
      .setJti(randomUUID())
      .sign(this.#key.privateKey);
  }

  /** Verifies a token presented to `callee`; throws BWK_UNAUTHORIZED (extra.reason) otherwise. */
  async verify(token: unknown, callee: string): Promise<WorkloadClaims> {
    if (typeof token !== "string" || token.length > 4096) throw refused("malformed", "the workload token is missing or malformed");
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(token, this.#key.publicKey, {
        algorithms: ["EdDSA"],
        typ: TYPE,
        issuer: ISSUER,
        audience: `function:${callee}`,
        requiredClaims: ["sub", "aud", "exp", "iat", "jti", "depth"],
        maxTokenAge: WORKLOAD_TOKEN_TTL_SECONDS,
        clockTolerance: 0,
        currentDate: new Date(this.#clock()),
      }));
    } catch (e) {
      throw refused(reasonOf(e), "the workload token was refused");
    }
    const caller = /^function:(.+)$/.exec(String(payload["sub"]))?.[1];
    const jti = payload["jti"];
    const exp = payload["exp"];
    const tenant = payload["tenant"];
    const depth = payload["depth"];
    if (caller === undefined || !FUNCTION.test(caller) || typeof jti !== "string" || typeof exp !== "number") {
      throw refused("claims", "the workload token's claims are malformed");
    }
    if (typeof depth !== "number" || !Number.isSafeInteger(depth) || depth < 1) throw refused("claims", "the workload token's depth is malformed");
    if (tenant !== undefined && (typeof tenant !== "string" || !TENANT.test(tenant))) throw refused("claims", "the workload token's tenant is malformed");
    if (!this.#replays.remember(jti, exp, Math.floor(this.#clock() / 1000))) throw refused("replayed", "the workload token was already used");
    return tenant === undefined ? { caller, callee, depth } : { caller, callee, depth, tenant };
  }
}

function reasonOf(e: unknown): string {
  if (e instanceof errors.JWTExpired) return "expired";
  if (e instanceof errors.JWSSignatureVerificationFailed) return "bad-signature";
  if (e instanceof errors.JWTClaimValidationFailed) return `claim-${e.claim}`;
  return "malformed";
}

function refused(reason: string, message: string): BulwarkError {
  return new BulwarkError("BWK_UNAUTHORIZED", message, { extra: { reason } });
}

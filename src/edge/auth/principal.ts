// Who the edge proved a caller to be. `identity` is exactly what reaches the handler as
// ctx.identity; the rest stays at the edge for authorization (and for stages that key on the
// caller, like per-key or per-subject rate limits).
import type { JWTPayload } from "jose";
import type { KeyScope } from "../../core/auth/api-keys.ts";
import type { Identity } from "../../sandbox/protocol.ts";
import type { ApiKeyRecord } from "../../store/api-keys.ts";
import type { JwtVerifier } from "./jwt-verifier.ts";

export interface Principal {
  identity: Identity;
  /** Scopes the token granted (jwt); API keys carry none. */
  scopes: string[];
  /** What an API key was created for. */
  keyScope?: KeyScope;
  /** The verified claims of a JWT, for stages that read one (a tenant claim). */
  claims?: JWTPayload;
}

/** What the auth stages need from the platform: key lookups and the deploy's JWT verifiers. */
export interface EdgeAuth {
  /** Reads the store on every call: no cache that could outlive a revocation. */
  findKey(hash: string): ApiKeyRecord | undefined;
  /** The verifier for a function's `auth: jwt` routes, built at deploy. */
  jwt(fn: string): JwtVerifier | undefined;
}

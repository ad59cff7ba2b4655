// The validated, normalized manifest: what the rest of the platform trusts. Parsing and checking
// happen once at the boundary (parse.ts); nothing downstream re-validates.

import type { Permissions } from "../policy/types.ts";
import type { AppLimits, NetworkLists, RouteProtection } from "./protection.ts";

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type AuthMode = "none" | "apiKey" | "jwt";

export interface HttpTrigger extends RouteProtection {
  kind: "http";
  method: HttpMethod;
  /** Path template: literal segments, `{name}` parameters and a final `{name+}` greedy parameter. */
  path: string;
  /** Always set: an http trigger without `auth:` is a manifest error (never open by default). */
  auth: AuthMode;
  /** The caller needs at least one of these roles (apiKey or jwt routes). */
  roles?: string[];
  /** The caller's token needs all of these scopes (jwt routes). */
  scopes?: string[];
}

/** Asymmetric JWS algorithms (RFC 7518 §3.1, RFC 8037): verified with public keys from a JWKS. */
export const ASYMMETRIC_JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"] as const;
/** HMAC algorithms: only with a shared secret configured explicitly (jwt.secretName). */
export const SYMMETRIC_JWT_ALGORITHMS = ["HS256", "HS384", "HS512"] as const;
export type JwtAlgorithm = (typeof ASYMMETRIC_JWT_ALGORITHMS)[number] | (typeof SYMMETRIC_JWT_ALGORITHMS)[number];

/**
 * How `auth: jwt` routes verify tokens (the app's `jwt:` block). Exactly one key source: a JWKS
 * URL (asymmetric algorithms only) or a named platform secret (HMAC algorithms only), so a token
 * can never pick the other kind of key (algorithm confusion, CVE-2015-9235).
 */
export interface JwtConfig {
  issuer: string;
  /** The token's aud must name at least one of these. */
  audience: string[];
  jwksUrl?: string;
  secretName?: string;
  algorithms: JwtAlgorithm[];
  rolesClaim: string;
  scopesClaim: string;
  clockSkewMs: number;
}

export type Trigger = HttpTrigger;

export interface SandboxSwitches {
  /** May the function start child processes (off by default). */
  childProcesses: boolean;
  /** May the function write its private /tmp (on by default). */
  tmpWrite: boolean;
  /**
   * Invocations one sandbox runs at once (default 1, Lambda's model). More serves more requests
   * per process, but concurrent requests then share the function's memory and module state, and
   * a timeout kills the sandbox with every invocation in it.
   */
  invocations: number;
}

export interface FunctionSpec {
  name: string;
  /** Handler file, relative to the app directory, as written in the manifest. */
  handler: string;
  /** Name of the exported handler function (default `handler`). */
  export: string;
  memoryBytes: number;
  timeoutMs: number;
  /** Most sandboxes of this function alive at once; each runs up to `sandbox.invocations` at a time. */
  concurrency: number;
  triggers: Trigger[];
  sandbox: SandboxSwitches;
  /** Capability grants (core/policy); absent means none: the function can only compute. */
  permissions?: Permissions;
  /** Set for `isolation: tenant`: one sandbox pool and one data partition per tenant. */
  isolation?: TenantIsolation;
  /**
   * The app's jwt block, copied into each function with an `auth: jwt` route: a version carries
   * the token rules it was deployed with, and a rollback restores them with it.
   */
  jwt?: JwtConfig;
  /** PII paths (`body.ssn`, `body.cards[*].pan`) whose values never reach the function's stored logs. */
  redact?: string[];
}

/**
 * Where the tenant of a request comes from: a claim of its verified JWT, or a header on a route
 * that authenticated the caller (who is then trusted to name the tenant).
 */
export interface TenantIsolation {
  mode: "tenant";
  from: "jwt.claim" | "header";
  /** The claim name as written, or the header name in lower case. */
  name: string;
}

/** `tenantFrom:` as written: `jwt.claim:<claim>` or `header:<field-name>` (RFC 9110 §5.1 token). */
export const TENANT_FROM_PATTERN = "^(?:jwt\\.claim:[A-Za-z_][A-Za-z0-9_.:/-]{0,127}|header:[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128})$";

/** A `redact:` path: dotted keys, `[*]` for every array element, `["odd-key"]` for other keys. */
export const REDACT_PATH_PATTERN = '^(?:[A-Za-z0-9_$-]{1,64}|\\["[^"\\\\]{1,64}"\\])(?:\\[\\*\\]|\\.[A-Za-z0-9_$-]{1,64}|\\["[^"\\\\]{1,64}"\\]){0,15}$';

export interface Manifest {
  app: string;
  /** Null-prototype object: a lookup by a request-supplied name never reaches Object.prototype. */
  functions: Record<string, FunctionSpec>;
  /** App-wide rate limits (protection.ts); absent: the defaults. */
  limits?: AppLimits;
  /** App-wide IP allow and deny lists. */
  network?: NetworkLists;
  /** The deploy gate's threshold (`scan:`); absent: high. */
  scan?: ScanSettings;
  /** Findings accepted on purpose, each with its justification (`suppressions:`). */
  suppressions?: Suppression[];
}

export interface ScanSettings {
  /** Findings at or above this severity block a deploy; the CLI's --fail-on may only tighten it. */
  failOn?: "high" | "medium" | "low";
}

/** One accepted finding class: a rule (or `family/*`), a path or glob in the app, and why. */
export interface Suppression {
  rule: string;
  path: string;
  justification: string;
}

export const DEFAULTS = {
  memoryBytes: 128 * 1024 * 1024,
  timeoutMs: 5_000,
  concurrency: 8,
  export: "handler",
  sandbox: { childProcesses: false, tmpWrite: true, invocations: 1 },
  jwt: { algorithms: ["RS256", "ES256"], rolesClaim: "roles", scopesClaim: "scope", clockSkewMs: 30_000 },
} as const;

export const LIMITS = {
  minMemoryBytes: 64 * 1024 * 1024,
  maxMemoryBytes: 4 * 1024 * 1024 * 1024,
  minTimeoutMs: 100,
  maxTimeoutMs: 15 * 60 * 1000,
  maxConcurrency: 256,
  maxInvocationsPerSandbox: 64,
  maxFunctions: 1000,
  maxTriggersPerFunction: 100,
  /** Tolerated clock difference with a token issuer; more would keep expired tokens alive. */
  maxClockSkewMs: 5 * 60 * 1000,
  /** A bulwark.yaml is a few KiB; the cap bounds what one parse may cost (CWE-400). */
  maxManifestBytes: 1024 * 1024,
} as const;

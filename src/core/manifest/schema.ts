// JSON Schema (draft-07, ajv's default) of bulwark.yaml as written, before normalization.
// Every object has additionalProperties:false, so a misspelt key is an error, not a silent no-op.
// Each piece is exported; a new manifest key is one more line in the `properties` of its piece.
//
// `hint` is an annotation keyword registered with ajv (parse.ts): per failing keyword, the reason
// a user reads instead of ajv's generic message.
// Checks that JSON Schema expresses poorly (units, ranges of units, handler paths, path templates,
// duplicate routes) are in normalize.ts, where they get messages of their own.

import { permissionsSchema } from "../policy/schema.ts";
import type { Permissions } from "../policy/types.ts";
import { SECRET_NAME_PATTERN } from "../policy/names.ts";
import { scanSchema, suppressionsSchema, type RawScan, type RawSuppression } from "./scan-schema.ts";
import { limitsSchema, networkSchema, ROUTE_PROTECTION_PROPERTIES, type RawLimits, type RawNetwork, type RawRouteProtection } from "./protection-schema.ts";
import {
  ASYMMETRIC_JWT_ALGORITHMS, HTTP_METHODS, LIMITS, REDACT_PATH_PATTERN, SYMMETRIC_JWT_ALGORITHMS, TENANT_FROM_PATTERN, type JwtAlgorithm,
} from "./types.ts";

export const NAME_PATTERN = "^[a-z][a-z0-9-]{0,62}$";
const NAME_RULE = "1 to 63 lower-case letters, digits or '-', starting with a letter";

export const httpTriggerSchema = {
  type: "object",
  additionalProperties: false,
  required: ["method", "path"],
  properties: {
    method: {
      type: "string",
      enum: HTTP_METHODS,
      hint: { enum: `must be an upper-case HTTP method (${HTTP_METHODS.join(", ")})` },
    },
    path: { type: "string", minLength: 1, maxLength: 1024 },
    // Required, but checked in normalize.ts, where the message can say what to write.
    auth: { type: "string", enum: ["none", "apiKey", "jwt"] },
    roles: claimValues("role"),
    scopes: claimValues("scope"),
    ...ROUTE_PROTECTION_PROPERTIES,
  },
};

/** A list of role or scope names: what a claim or a key carries, compared exactly. */
function claimValues(what: string) {
  return {
    type: "array",
    minItems: 1,
    maxItems: 32,
    uniqueItems: true,
    items: { type: "string", pattern: "^[^\\s,]{1,128}$", hint: { pattern: `must be a ${what} name: 1 to 128 characters, no spaces or commas` } },
  };
}

/** The app's `jwt:` block: how `auth: jwt` routes verify bearer tokens. */
export const jwtSchema = {
  type: "object",
  additionalProperties: false,
  required: ["issuer", "audience"],
  properties: {
    issuer: { type: "string", minLength: 1, maxLength: 2048 },
    audience: {
      type: ["string", "array"],
      minLength: 1,
      maxLength: 2048,
      minItems: 1,
      maxItems: 16,
      items: { type: "string", minLength: 1, maxLength: 2048 },
    },
    jwksUrl: { type: "string", minLength: 1, maxLength: 2048 },
    secretName: { type: "string", pattern: SECRET_NAME_PATTERN, hint: { pattern: "must be a secret name like JWT_HMAC_KEY" } },
    algorithms: {
      type: "array",
      minItems: 1,
      uniqueItems: true,
      items: {
        type: "string",
        enum: [...ASYMMETRIC_JWT_ALGORITHMS, ...SYMMETRIC_JWT_ALGORITHMS],
        hint: { enum: `must be a JWS algorithm: ${[...ASYMMETRIC_JWT_ALGORITHMS, ...SYMMETRIC_JWT_ALGORITHMS].join(", ")} ("none" never is)` },
      },
    },
    rolesClaim: { type: "string", minLength: 1, maxLength: 256 },
    scopesClaim: { type: "string", minLength: 1, maxLength: 256 },
    clockSkew: { type: "string" },
  },
};

/** One trigger is a mapping with exactly one key naming its kind. */
export const triggerSchema = {
  type: "object",
  additionalProperties: false,
  minProperties: 1,
  maxProperties: 1,
  hint: {
    minProperties: "must name one trigger kind, like http",
    maxProperties: "must name only one trigger kind; write each trigger as its own list item",
  },
  properties: {
    http: httpTriggerSchema,
  },
};

export const sandboxSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    childProcesses: { type: "boolean" },
    tmpWrite: { type: "boolean" },
    invocations: { type: "integer", minimum: 1, maximum: LIMITS.maxInvocationsPerSandbox },
  },
};

export const functionSchema = {
  type: "object",
  additionalProperties: false,
  required: ["handler"],
  properties: {
    handler: { type: "string", minLength: 1, maxLength: 1024 },
    export: {
      type: "string",
      pattern: "^[A-Za-z_$][A-Za-z0-9_$]{0,254}$",
      hint: { pattern: "must be a JavaScript identifier (the name the handler file exports)" },
    },
    memory: { type: ["string", "integer"] },
    timeout: { type: "string" },
    concurrency: { type: "integer", minimum: 1, maximum: LIMITS.maxConcurrency },
    sandbox: sandboxSchema,
    triggers: { type: "array", maxItems: LIMITS.maxTriggersPerFunction, items: triggerSchema },
    permissions: permissionsSchema,
    input: ROUTE_PROTECTION_PROPERTIES.input,
    isolation: { type: "string", enum: ["none", "tenant"] },
    tenantFrom: {
      type: "string",
      pattern: TENANT_FROM_PATTERN,
      hint: { pattern: "must be jwt.claim:<claim name> or header:<header name>" },
    },
    redact: {
      type: "array",
      maxItems: 64,
      uniqueItems: true,
      items: { type: "string", pattern: REDACT_PATH_PATTERN, hint: { pattern: "must be a dotted path like body.ssn or body.cards[*].pan" } },
    },
  },
};

export const manifestSchema = {
  type: "object",
  additionalProperties: false,
  required: ["app", "functions"],
  properties: {
    app: { type: "string", pattern: NAME_PATTERN, hint: { pattern: `must be ${NAME_RULE}` } },
    jwt: jwtSchema,
    limits: limitsSchema,
    network: networkSchema,
    scan: scanSchema,
    suppressions: suppressionsSchema,
    functions: {
      type: "object",
      minProperties: 1,
      maxProperties: LIMITS.maxFunctions,
      hint: {
        minProperties: "must declare at least one function",
        maxProperties: `must declare at most ${LIMITS.maxFunctions} functions`,
      },
      propertyNames: { pattern: NAME_PATTERN, hint: { pattern: `is not a valid function name: use ${NAME_RULE}` } },
      additionalProperties: functionSchema,
    },
  },
};

/** The raw shapes the schema admits; normalize.ts turns them into the types of types.ts. */
export interface RawHttpTrigger extends RawRouteProtection {
  method: (typeof HTTP_METHODS)[number];
  path: string;
  auth?: "none" | "apiKey" | "jwt";
  roles?: string[];
  scopes?: string[];
}

export interface RawJwt {
  issuer: string;
  audience: string | string[];
  jwksUrl?: string;
  secretName?: string;
  algorithms?: JwtAlgorithm[];
  rolesClaim?: string;
  scopesClaim?: string;
  clockSkew?: string;
}

export interface RawTrigger {
  http?: RawHttpTrigger;
}

export interface RawFunction {
  handler: string;
  export?: string;
  memory?: string | number;
  timeout?: string;
  concurrency?: number;
  sandbox?: { childProcesses?: boolean; tmpWrite?: boolean; invocations?: number };
  triggers?: RawTrigger[];
  permissions?: Permissions;
  input?: string;
  isolation?: "none" | "tenant";
  tenantFrom?: string;
  redact?: string[];
}

export interface RawManifest {
  app: string;
  jwt?: RawJwt;
  limits?: RawLimits;
  network?: RawNetwork;
  scan?: RawScan;
  suppressions?: RawSuppression[];
  functions: Record<string, RawFunction>;
}

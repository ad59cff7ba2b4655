// JSON Schema pieces of the manifest's edge-protection keys (see protection.ts for what they mean).
// schema.ts spreads ROUTE_PROTECTION_PROPERTIES into an http trigger and adds limitsSchema and
// networkSchema to the app; rates, sizes and CIDRs get their own messages in protection.ts.

import type { WafMode } from "./protection.ts";

/** `type/subtype`, `type/*` or `*\/*`, in lower case (RFC 9110 §8.3.1 tokens). */
const MEDIA_RANGE_PATTERN = "^(?:[a-z0-9!#$&^_.+-]+/(?:[a-z0-9!#$&^_.+-]+|\\*)|\\*/\\*)$";

export const rateSchema = {
  type: ["string", "object"],
  additionalProperties: false,
  required: ["rate"],
  properties: {
    rate: { type: "string" },
    burst: { type: "integer", minimum: 1, maximum: 1_000_000 },
  },
};

export const ROUTE_PROTECTION_PROPERTIES = {
  input: { type: "string", minLength: 1, maxLength: 1024 },
  maxBody: { type: ["string", "integer"], minimum: 0 },
  contentTypes: {
    type: "array",
    minItems: 1,
    maxItems: 32,
    uniqueItems: true,
    items: { type: "string", pattern: MEDIA_RANGE_PATTERN, hint: { pattern: "must be a lower-case media type like application/json or text/*" } },
  },
  waf: { type: "string", enum: ["off", "detect", "block"], hint: { enum: "must be off, detect or block" } },
  rateLimit: rateSchema,
};

export const limitsSchema = {
  type: "object",
  additionalProperties: false,
  properties: { perIp: rateSchema, perKey: rateSchema, perSubject: rateSchema, authFailuresPerIp: rateSchema },
};

export const networkSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    allow: { type: "array", maxItems: 10_000, items: { type: "string", maxLength: 64 } },
    deny: { type: "array", maxItems: 10_000, items: { type: "string", maxLength: 64 } },
  },
};

export interface RawRouteProtection {
  input?: string;
  maxBody?: string | number;
  contentTypes?: string[];
  waf?: WafMode;
  rateLimit?: RawRate;
}

export type RawRate = string | { rate: string; burst?: number };

export interface RawLimits {
  perIp?: RawRate;
  perKey?: RawRate;
  perSubject?: RawRate;
  authFailuresPerIp?: RawRate;
}

export interface RawNetwork {
  allow?: string[];
  deny?: string[];
}

// JSON Schema (draft-07, as ajv compiles it by default) for a function's `permissions:` block.
// The manifest schema embeds it as the `permissions` property of a function. Strict: unknown
// sections, unknown rights, duplicates and malformed names are refused at the boundary.

import { EGRESS_GRANT_PATTERN, FUNCTION_NAME_PATTERN, NAMESPACE_PATTERN, SECRET_NAME_PATTERN } from "./names.ts";

/** Bounds every list and map: a manifest is input too. */
export const MAX_GRANTS_PER_SECTION = 256;

const rights = {
  type: "array",
  items: { enum: ["read", "write"] },
  minItems: 1,
  uniqueItems: true,
} as const;

const namespaceRights = {
  type: "object",
  propertyNames: { type: "string", pattern: NAMESPACE_PATTERN },
  additionalProperties: rights,
  maxProperties: MAX_GRANTS_PER_SECTION,
} as const;

function nameList(pattern: string) {
  return {
    type: "array",
    items: { type: "string", pattern },
    uniqueItems: true,
    maxItems: MAX_GRANTS_PER_SECTION,
  } as const;
}

export const permissionsSchema = {
  type: "object",
  additionalProperties: false,
  properties: {
    secrets: nameList(SECRET_NAME_PATTERN),
    kv: namespaceRights,
    objects: namespaceRights,
    invoke: nameList(FUNCTION_NAME_PATTERN),
    egress: nameList(EGRESS_GRANT_PATTERN),
  },
} as const;

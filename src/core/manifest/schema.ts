// JSON Schema (draft-07, ajv's default) of bulwark.yaml as written, before normalization.
// Every object has additionalProperties:false, so a misspelt key is an error, not a silent no-op.
// Each piece is exported; a new manifest key is one more line in the `properties` of its piece.
//
// `hint` is an annotation keyword registered with ajv (parse.ts): per failing keyword, the reason
// a user reads instead of ajv's generic message.
// Checks that JSON Schema expresses poorly (units, ranges of units, handler paths, path templates,
// duplicate routes) are in normalize.ts, where they get messages of their own.

import { HTTP_METHODS, LIMITS } from "./types.ts";

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
    auth: { type: "string", enum: ["none", "apiKey", "jwt"] },
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
  },
};

export const manifestSchema = {
  type: "object",
  additionalProperties: false,
  required: ["app", "functions"],
  properties: {
    app: { type: "string", pattern: NAME_PATTERN, hint: { pattern: `must be ${NAME_RULE}` } },
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
export interface RawHttpTrigger {
  method: (typeof HTTP_METHODS)[number];
  path: string;
  auth?: "none" | "apiKey" | "jwt";
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
  sandbox?: { childProcesses?: boolean; tmpWrite?: boolean };
  triggers?: RawTrigger[];
}

export interface RawManifest {
  app: string;
  functions: Record<string, RawFunction>;
}

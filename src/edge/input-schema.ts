// Compiles the routes' input schemas with ajv, once per deploy, never per request. Compiled
// validators are kept by content hash, so the deploy check and the routing table that follows it
// (and a later rollback to the same schema) share one compilation.
import { createHash } from "node:crypto";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { Ajv2019 } from "ajv/dist/2019.js";
import { Ajv2020 } from "ajv/dist/2020.js";
import { schemaError } from "../core/manifest/input-schemas.ts";
import { addFormats } from "./schema-formats.ts";

/** Which ajv class reads a schema, by its `$schema`; none means draft-07, ajv's default. */
const DRAFTS: Record<string, () => Ajv | Ajv2019 | Ajv2020> = {
  "": () => new Ajv(OPTIONS),
  "http://json-schema.org/draft-07/schema": () => new Ajv(OPTIONS),
  "https://json-schema.org/draft/2019-09/schema": () => new Ajv2019(OPTIONS),
  "https://json-schema.org/draft/2020-12/schema": () => new Ajv2020(OPTIONS),
};

const OPTIONS = {
  // A misspelt keyword or an unknown format fails the deploy instead of validating nothing.
  strict: true,
  // The first failure only: the work per request stays bounded whatever the body.
  allErrors: false,
  // Never rewrite the body the function receives (no defaults, coercion or removal).
  useDefaults: false,
  coerceTypes: false,
  removeAdditional: false,
} as const;
// No loadSchema: a $ref to anything outside the schema fails to compile; the platform fetches nothing.

export interface InputFailure {
  /** JSON Pointer to the failing value (RFC 6901), "" for the whole body. */
  instancePath: string;
  keyword: string;
  schemaPath: string;
  message: string;
}

export class InputSchemas {
  #compiled = new Map<string, ValidateFunction>();

  /** The validator for one schema file's content; a schema that does not compile fails naming the file. */
  compile(file: string, schema: Record<string, unknown>): ValidateFunction {
    const key = createHash("sha256").update(JSON.stringify(schema)).digest("hex");
    const cached = this.#compiled.get(key);
    if (cached) return cached;
    const draft = typeof schema.$schema === "string" ? schema.$schema.replace(/#$/, "") : "";
    const make = DRAFTS[draft];
    if (make === undefined) {
      throw schemaError(file, `$schema ${JSON.stringify(draft.slice(0, 100))} is not supported (use draft-07, 2019-09 or 2020-12)`);
    }
    // One ajv per schema: two files with the same $id must not collide in a shared registry.
    const ajv = make();
    addFormats(ajv);
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(schema);
    } catch (e) {
      throw schemaError(file, `does not compile: ${(e as Error).message.slice(0, 300)}`);
    }
    this.#compiled.set(key, validate);
    return validate;
  }

  /** Drops validators no active route uses; call after building a routing table. */
  retainOnly(used: ReadonlySet<ValidateFunction>): void {
    for (const [key, validate] of this.#compiled) if (!used.has(validate)) this.#compiled.delete(key);
  }
}

/** What a client is told: where and which keyword, never the value it sent. */
export function describeFailure(error: ErrorObject | undefined): InputFailure {
  return {
    instancePath: error?.instancePath ?? "",
    keyword: error?.keyword ?? "schema",
    schemaPath: error?.schemaPath ?? "#",
    message: (error?.message ?? "is invalid").slice(0, 200),
  };
}

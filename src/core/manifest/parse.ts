// The manifest boundary: bulwark.yaml text (parseManifest) or the same shape received as JSON
// (validateManifestObject) → a normalized Manifest, or one BWK_MANIFEST_INVALID error that says
// file:line:column: field: reason. Both entry points share the schema and the normalization.

import { Ajv } from "ajv";
import { explainSchemaError } from "./explain.ts";
import { normalizeManifest } from "./normalize.ts";
import { manifestError, type Anchor, type Fail, type Locator, type Path } from "./problem.ts";
import { manifestSchema, type RawManifest } from "./schema.ts";
import type { Manifest } from "./types.ts";
import { readYaml } from "./yaml-source.ts";

export interface ParsedManifest {
  manifest: Manifest;
  /** The manifest as written (schema-valid): what a client sends to validateManifestObject. */
  raw: RawManifest;
  /** Line and column (1-based) of the value at a path, e.g. ["functions", "charge", "handler"]. */
  locate(path: (string | number)[]): { line: number; column: number };
}

// Compiled once at load; `verbose` gives each error its parent schema (for `hint`) and data.
const ajv = new Ajv({ allErrors: false, verbose: true, strict: true, allowUnionTypes: true });
ajv.addKeyword({ keyword: "hint", schemaType: "object" });
const validateRaw = ajv.compile<RawManifest>(manifestSchema);

/** Parses and validates bulwark.yaml text. `file` is the name used in messages. */
export function parseManifest(text: string, file: string): ParsedManifest {
  const { data, locate } = readYaml(text, file);
  const manifest = check(data, file, locate);
  return { manifest, raw: data as RawManifest, locate: (path) => locate({ path, key: false }) };
}

/**
 * Validates a manifest received as JSON: the raw bulwark.yaml shape (`memory: "128Mi"`,
 * `triggers: [{ http: {...} }]`, i.e. ParsedManifest.raw), not a normalized Manifest, so the
 * server applies the same schema and normalization as the CLI. Errors carry line and column 0.
 */
export function validateManifestObject(obj: unknown, file: string): Manifest {
  return check(obj, file, () => ({ line: 0, column: 0 }));
}

function check(data: unknown, file: string, locate: Locator): Manifest {
  const fail: Fail = (field: Path, reason: string, at: Anchor = { path: field, key: false }) => {
    throw manifestError(file, locate(at), field, reason);
  };
  if (data === null || data === undefined) fail([], "the manifest is empty");
  if (typeof data !== "object" || Array.isArray(data)) fail([], "must be a mapping with the keys app and functions");
  if (!validateRaw(data)) {
    const error = validateRaw.errors?.[0];
    if (error === undefined) return fail([], "is invalid");
    const problem = explainSchemaError(error, data);
    fail(problem.field, problem.reason, problem.at);
  }
  return normalizeManifest(data, fail);
}

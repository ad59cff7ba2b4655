// Input schemas travel beside the manifest: the CLI reads each route's `input:` file and sends
// {path: parsed JSON} with the deploy; the platform attaches each one to its routes here, so the
// schema is stored with the function version. Whether a schema compiles is the edge's check.

import { BulwarkError } from "../errors.ts";
import type { Manifest } from "./types.ts";

/** A schema is a few KiB; the cap bounds what one deploy can make the platform store and compile. */
export const MAX_SCHEMA_BYTES = 1024 * 1024;

/** Every `input:` of the manifest, as relative paths (the keys the CLI sends). */
export function inputFiles(manifest: Manifest): string[] {
  const files = new Set<string>();
  for (const fn of Object.values(manifest.functions)) {
    for (const trigger of fn.triggers) if (trigger.input !== undefined) files.add(trigger.input);
  }
  return [...files];
}

/** Sets `inputSchema` on every route with `input:`, or fails naming the file that is missing or not a schema. */
export function attachInputSchemas(manifest: Manifest, schemas: unknown): void {
  const files = inputFiles(manifest);
  if (files.length === 0) return;
  if (typeof schemas !== "object" || schemas === null || Array.isArray(schemas)) {
    throw new BulwarkError("BWK_BAD_REQUEST", "schemas must be an object of input file to JSON Schema");
  }
  const documents = new Map<string, Record<string, unknown>>();
  for (const file of files) {
    const schema: unknown = Object.hasOwn(schemas, file) ? (schemas as Record<string, unknown>)[file] : undefined;
    if (schema === undefined) throw schemaError(file, "was not sent with the deploy");
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) throw schemaError(file, "must be a JSON object (a JSON Schema)");
    // A copy through JSON: plain data only, nothing aliased with the request.
    const text = JSON.stringify(schema);
    if (text.length > MAX_SCHEMA_BYTES) throw schemaError(file, "is larger than 1 MiB");
    documents.set(file, JSON.parse(text) as Record<string, unknown>);
  }
  for (const fn of Object.values(manifest.functions)) {
    for (const trigger of fn.triggers) {
      if (trigger.input !== undefined) trigger.inputSchema = documents.get(trigger.input)!;
    }
  }
}

export function schemaError(file: string, reason: string): BulwarkError {
  return new BulwarkError("BWK_MANIFEST_INVALID", `${file}: ${reason}`, { extra: { file } });
}

// Turns ajv's first validation error into a field path, a reason and a place to point at.
// ajv runs with allErrors:false, so it stops at the first failure, which is the innermost one;
// for propertyNames it reports the inner failure first and the wrapper second, so [0] is the one.

import type { ErrorObject } from "ajv";
import { quote, type Anchor, type Path } from "./problem.ts";

export interface SchemaProblem {
  field: Path;
  reason: string;
  at: Anchor;
}

export function explainSchemaError(error: ErrorObject, data: unknown): SchemaProblem {
  const path = instancePath(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as Record<string, unknown>;
  const hint = (parent["hint"] as Record<string, string> | undefined)?.[error.keyword];

  const propertyName = (error as { propertyName?: string }).propertyName;
  if (propertyName !== undefined) {
    const field = [...path, propertyName];
    return { field, reason: hint ?? `is not an allowed key name`, at: { path: field, key: true } };
  }
  switch (error.keyword) {
    case "required": {
      const field = [...path, String(params["missingProperty"])];
      return { field, reason: "is required", at: { path, key: true } };
    }
    case "additionalProperties": {
      const key = String(params["additionalProperty"]);
      const allowed = Object.keys((parent["properties"] ?? {}) as object).join(", ");
      const field = [...path, key];
      return { field, reason: `unknown key ${quote(key)}; allowed keys are ${allowed}`, at: { path: field, key: true } };
    }
    case "type":
      return at(path, `must be ${typeWords(params["type"])}, got ${describe(error.data)}`);
    case "enum":
      return at(path, withValue(hint ?? `must be one of ${(params["allowedValues"] as unknown[]).join(", ")}`, error.data));
    case "minimum":
    case "maximum":
      return at(path, withValue(`must be between ${parent["minimum"]} and ${parent["maximum"]}`, error.data));
    case "minLength":
      return at(path, params["limit"] === 1 ? "must not be empty" : `must be at least ${params["limit"]} characters`);
    case "maxLength":
      return at(path, `must be at most ${params["limit"]} characters long`);
    case "minProperties":
    case "maxProperties":
    case "minItems":
    case "maxItems":
      return at(path, hint ?? `must have ${error.keyword.startsWith("min") ? "at least" : "at most"} ${params["limit"]} entries`);
    default:
      return at(path, withValue(hint ?? error.message ?? "is invalid", error.data));
  }
}

function at(path: Path, reason: string): SchemaProblem {
  return { field: path, reason, at: { path, key: false } };
}

/** JSON Pointer (RFC 6901) → path; a segment is a number where the data there is an array. */
function instancePath(pointer: string, data: unknown): Path {
  if (pointer === "") return [];
  const path: Path = [];
  let node = data;
  for (const raw of pointer.slice(1).split("/")) {
    const part = raw.replaceAll("~1", "/").replaceAll("~0", "~");
    const step = Array.isArray(node) ? Number(part) : part;
    path.push(step);
    node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[part] : undefined;
  }
  return path;
}

function withValue(reason: string, value: unknown): string {
  return value === null || typeof value === "object" ? reason : `${reason}, got ${describe(value)}`;
}

const TYPE_WORDS: Record<string, string> = {
  string: "a string",
  integer: "a whole number",
  number: "a number",
  boolean: "true or false",
  object: "a mapping",
  array: "a list",
};

function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(" or ");
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "nothing";
  if (typeof value === "string") return quote(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

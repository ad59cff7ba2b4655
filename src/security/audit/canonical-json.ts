// Canonical JSON: RFC 8785 (JSON Canonicalization Scheme, JCS) for the values Bulwark hashes and
// signs. Allowed: null, booleans, finite numbers, well-formed strings, arrays, and plain objects
// (prototype Object.prototype or null). Object members whose value is `undefined` are left out,
// as JSON.stringify does; anything else (NaN, Infinity, bigint, Date, Map, class instances,
// functions, lone surrogates, nesting deeper than MAX_DEPTH) is refused, never coerced.

import { BulwarkError } from "../../core/errors.ts";

/** Refuses cycles and hostile nesting before the stack does. */
const MAX_DEPTH = 64;

export function canonicalJson(value: unknown): string {
  return write(value, 0);
}

function write(value: unknown, depth: number): string {
  if (depth > MAX_DEPTH) throw refuse(`nesting deeper than ${MAX_DEPTH} (or a cycle)`);
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "number":
      // RFC 8785 §3.2.2.3: numbers serialize as ECMAScript Number.prototype.toString does, which
      // is what JSON.stringify emits for finite numbers (-0 becomes "0"); I-JSON has no NaN/Infinity.
      if (!Number.isFinite(value)) throw refuse(`the number ${value}`);
      return JSON.stringify(value);
    case "string":
      // RFC 8785 §3.2.2.2: JSON.stringify's escaping is exactly JCS's (\b \t \n \f \r \" \\ and
      // \u00xx in lowercase hex for other controls, everything else literal). JCS requires valid
      // Unicode, so a lone surrogate is an error rather than an escape.
      if (!value.isWellFormed()) throw refuse("a string with a lone surrogate");
      return JSON.stringify(value);
    case "object":
      if (Array.isArray(value)) return `[${value.map((item) => write(item, depth + 1)).join(",")}]`;
      if (isPlainObject(value)) return writeObject(value, depth);
      throw refuse(`an object of type ${value.constructor?.name ?? "unknown"}`);
    default:
      throw refuse(`a value of type ${typeof value}`);
  }
}

function writeObject(object: Record<string, unknown>, depth: number): string {
  // RFC 8785 §3.2.3: members sorted by their names' UTF-16 code units, which is what the default
  // Array.prototype.sort comparison does for strings.
  const names = Object.keys(object).sort();
  const members: string[] = [];
  for (const name of names) {
    const member = object[name];
    if (member === undefined) continue;
    members.push(`${write(name, depth + 1)}:${write(member, depth + 1)}`);
  }
  return `{${members.join(",")}}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function refuse(what: string): BulwarkError {
  return new BulwarkError("BWK_INVALID_ARGUMENT", `canonical JSON cannot hold ${what}`);
}

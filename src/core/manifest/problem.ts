// How a manifest problem becomes the one line a user reads:
//   bulwark.yaml:7:13: functions.charge.memory: must be a size like 128Mi, got "lots"
// Values echoed back come from untrusted input, so they are quoted, escaped to printable ASCII
// (no terminal escapes or bidi overrides in logs and consoles, CWE-117) and truncated.

import { BulwarkError } from "../errors.ts";

export type Path = (string | number)[];

export interface Position {
  line: number;
  column: number;
}

/** Where to point: a value, or the key that holds it (unknown keys, missing keys). */
export interface Anchor {
  path: Path;
  key: boolean;
}

export type Locator = (anchor: Anchor) => Position;

/** Reports a problem with the manifest; never returns. */
export type Fail = (field: Path, reason: string, at?: Anchor) => never;

const MAX_QUOTED = 60;

/** A JSON-style quoted string, printable ASCII only, cut at MAX_QUOTED characters. */
export function quote(value: string): string {
  const cut = value.length > MAX_QUOTED ? `${value.slice(0, MAX_QUOTED)}...` : value;
  return JSON.stringify(cut).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** functions.charge.triggers[0].http — keys that are not plain words are written ["like this"]. */
export function fieldPath(path: Path): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else if (/^[A-Za-z0-9_$-]+$/.test(part)) out += out === "" ? part : `.${part}`;
    else out += `[${quote(part)}]`;
  }
  return out;
}

/** Positions of 0 mean "no source text" (a manifest received as JSON). */
export function manifestError(file: string, at: Position, field: Path, reason: string): BulwarkError {
  const where = at.line > 0 ? `${file}:${at.line}:${at.column}` : file;
  const name = fieldPath(field);
  const message = name === "" ? `${where}: ${reason}` : `${where}: ${name}: ${reason}`;
  return new BulwarkError("BWK_MANIFEST_INVALID", message, {
    extra: { file, line: at.line, column: at.column, field: name },
  });
}

// Client side of `input:`: reads each route's JSON Schema file from the app directory so it can be
// sent with the deploy. The file must stay inside the app (also after symlinks, CWE-22) and be a
// JSON object; whether it compiles is the platform's check, which names the file if not.
import { readFileSync, realpathSync, statSync } from "node:fs";
import { join, sep } from "node:path";
import { BulwarkError } from "../core/errors.ts";
import { inputFiles, MAX_SCHEMA_BYTES } from "../core/manifest/input-schemas.ts";
import type { ParsedManifest } from "../core/manifest/parse.ts";
import { fieldPath } from "../core/manifest/problem.ts";
import type { RawManifest } from "../core/manifest/schema.ts";

export function readInputSchemas(root: string, manifestFile: string, parsed: ParsedManifest): Record<string, unknown> {
  const schemas: Record<string, unknown> = {};
  for (const file of inputFiles(parsed.manifest)) {
    const fail = (reason: string) => {
      const field = fieldOf(parsed, file);
      const at = parsed.locate(field);
      const name = fieldPath(field);
      return new BulwarkError("BWK_MANIFEST_INVALID", `${manifestFile}:${at.line}:${at.column}: ${name}: ${reason}`, {
        extra: { file: manifestFile, line: at.line, column: at.column, field: name, schema: file },
      });
    };
    let real: string;
    try {
      real = realpathSync(join(root, file));
    } catch {
      throw fail(`file ${file} does not exist`);
    }
    const realRoot = realpathSync(root);
    if (!real.startsWith(realRoot + sep)) throw fail(`${file} is outside the app directory`);
    const stat = statSync(real);
    if (!stat.isFile()) throw fail(`${file} is not a file`);
    if (stat.size > MAX_SCHEMA_BYTES) throw fail(`${file} is larger than 1 MiB`);
    let schema: unknown;
    try {
      schema = JSON.parse(readFileSync(real, "utf8"));
    } catch (e) {
      throw fail(`${file} is not valid JSON (${(e as Error).message.slice(0, 120)})`);
    }
    if (typeof schema !== "object" || schema === null || Array.isArray(schema)) throw fail(`${file} must hold a JSON object (a JSON Schema)`);
    schemas[file] = schema;
  }
  return schemas;
}

/** The manifest field that names the file: a route's own input, else its function's. */
function fieldOf(parsed: ParsedManifest, file: string): (string | number)[] {
  const raw = parsed.raw as RawManifest;
  for (const fn of Object.values(parsed.manifest.functions)) {
    const rawFn = raw.functions[fn.name];
    for (const [i, t] of fn.triggers.entries()) {
      if (t.input !== file) continue;
      return rawFn?.triggers?.[i]?.http?.input !== undefined ? ["functions", fn.name, "triggers", i, "http", "input"] : ["functions", fn.name, "input"];
    }
  }
  return [];
}

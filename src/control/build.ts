// Client side of a deploy: reads bulwark.yaml, checks every handler file, bundles each handler
// with esbuild into one ES module. The platform re-validates everything it receives.
import { build, type Message } from "esbuild";
import { readFileSync, realpathSync, statSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { BulwarkError } from "../core/errors.ts";
import { parseManifest, type ParsedManifest } from "../core/manifest/parse.ts";
import type { Manifest } from "../core/manifest/types.ts";
import { readInputSchemas } from "./build-schemas.ts";

export interface BuiltApp {
  manifest: Manifest;
  /** The manifest as written (parsed, not normalized): the platform validates it again itself. */
  raw: unknown;
  bundles: Record<string, string>;
  /** Each route's `input:` JSON Schema file, read from the app directory: {path: schema}. */
  schemas: Record<string, unknown>;
}

const MANIFEST_NAMES = ["bulwark.yaml", "bulwark.yml"];

export async function buildApp(dir: string): Promise<BuiltApp> {
  const root = resolve(dir);
  const { file, text } = readManifest(root);
  const parsed = parseManifest(text, file);
  const schemas = readInputSchemas(root, file, parsed);
  const bundles: Record<string, string> = {};
  for (const fn of Object.values(parsed.manifest.functions)) {
    const entry = handlerPath(root, file, parsed, fn.name, fn.handler);
    bundles[fn.name] = await bundle(root, entry);
  }
  return { manifest: parsed.manifest, raw: parsed.raw, bundles, schemas };
}

export function readManifest(root: string): { file: string; text: string } {
  for (const name of MANIFEST_NAMES) {
    const path = join(root, name);
    try {
      if (statSync(path).size > 1024 * 1024) {
        throw new BulwarkError("BWK_MANIFEST_INVALID", `${path}: the manifest is larger than 1 MiB`);
      }
      return { file: path, text: readFileSync(path, "utf8") };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
    }
  }
  throw new BulwarkError("BWK_MANIFEST_INVALID", `${root}: no bulwark.yaml found`);
}

/** The handler must be a file inside the app directory, also after following symlinks. */
function handlerPath(root: string, file: string, parsed: ParsedManifest, fn: string, handler: string): string {
  const where = parsed.locate(["functions", fn, "handler"]);
  const fail = (reason: string) =>
    new BulwarkError("BWK_MANIFEST_INVALID", `${file}:${where.line}:${where.column}: functions.${fn}.handler: ${reason}`, {
      extra: { file, line: where.line, column: where.column, field: `functions.${fn}.handler` },
    });
  let real: string;
  try {
    real = realpathSync(join(root, handler));
  } catch {
    throw fail(`file ${handler} does not exist`);
  }
  const realRoot = realpathSync(root);
  if (real !== realRoot && !real.startsWith(realRoot + sep)) throw fail(`${handler} is outside the app directory`);
  if (!statSync(real).isFile()) throw fail(`${handler} is not a file`);
  return real;
}

async function bundle(root: string, entry: string): Promise<string> {
  try {
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: root,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node24",
      write: false,
      logLevel: "silent",
      legalComments: "none",
      // CommonJS dependencies call require(); give the ES module bundle one.
      banner: { js: 'import { createRequire as __bwkCreateRequire } from "node:module"; const require = __bwkCreateRequire(import.meta.url);' },
    });
    return result.outputFiles[0]!.text;
  } catch (e) {
    const first = (e as { errors?: Message[] }).errors?.[0];
    const loc = first?.location;
    const where = loc ? `${relative(process.cwd(), join(root, loc.file))}:${loc.line}:${loc.column + 1}: ` : "";
    throw new BulwarkError("BWK_BUILD_FAILED", `${where}${first?.text ?? "bundling failed"}`);
  }
}

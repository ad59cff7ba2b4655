// Finding a handler's module from a template's `dir/file.export` notation.
import { existsSync, statSync } from "node:fs";
import { relative, resolve, sep } from "node:path";

export interface HandlerModule {
  /** Absolute path of the module, when it was found. */
  file?: string;
  exportName: string;
  /** What was looked for, for the finding when nothing was found. */
  wanted: string;
}

export interface HandlerRef extends HandlerModule {
  /** The function's name in its manifest or template. */
  name: string;
  /** Where the handler is declared, for findings about it. */
  declared: { file: string; line: number; column: number };
  schemaValidated?: boolean;
}

const EXTENSIONS = [".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx"];

/** `index.handler` under CodeUri `src/` → src/index.{js,mjs,cjs,ts,…}, export `handler`. */
export function lambdaHandler(root: string, codeDir: string, handler: string): HandlerModule {
  const dot = handler.lastIndexOf(".");
  const modulePath = dot > 0 ? handler.slice(0, dot) : handler;
  const exportName = dot > 0 ? handler.slice(dot + 1) : "handler";
  const base = resolve(root, codeDir, modulePath);
  const wanted = relative(root, base).split(sep).join("/");
  if (!inside(root, base)) return { exportName, wanted };
  const file = [base, ...EXTENSIONS.map((e) => base + e)].find(isFile);
  return file ? { file, exportName, wanted } : { exportName, wanted };
}

/** A file path relative to the project, kept inside it. */
export function projectFile(root: string, path: string, exportName: string): HandlerModule {
  const file = resolve(root, path);
  const wanted = relative(root, file).split(sep).join("/");
  return inside(root, file) && isFile(file) ? { file, exportName, wanted } : { exportName, wanted };
}

function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel !== "" && !rel.startsWith("..") && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel);
}

function isFile(p: string): boolean {
  return existsSync(p) && statSync(p).isFile();
}

// Loads a function's own modules: parses each file once with ts.createSourceFile (no program, no
// type checker: a per-file parse is what keeps a 100k-line project under seconds) and indexes
// its top-level names, imports and exports, ESM and CommonJS alike. Only relative imports inside
// the project root are followed; packages are known to the interpreter by name.
import { readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, extname, join, relative, sep } from "node:path";
import ts from "typescript";
import type { Value } from "./value.ts";

/** Where a top-level name comes from. `path` walks into a destructuring pattern. */
export type Binding =
  | { kind: "import"; spec: string; name: string }
  | { kind: "function"; node: ts.FunctionDeclaration }
  | { kind: "var"; decl: ts.VariableDeclaration; path: readonly (string | number)[] }
  | { kind: "class"; node: ts.ClassDeclaration }
  | { kind: "other" };

export type ExportEntry =
  | { kind: "local"; name: string }
  | { kind: "reexport"; spec: string; name: string }
  | { kind: "expr"; node: ts.Expression };

export interface ModuleInfo {
  readonly file: string;
  /** Relative to the project root, `/`-separated: what findings print. */
  readonly rel: string;
  readonly sf: ts.SourceFile;
  readonly bindings: Map<string, Binding>;
  readonly exports: Map<string, ExportEntry>;
  readonly starExports: string[];
  /** `module.exports = <expr>`: what require() of this module returns. */
  cjsDefault?: ts.Expression;
  /** Package names this module imports or requires (normalized). */
  readonly packages: Set<string>;
  /** Top-level bindings already evaluated, and the ones being evaluated (cycles). */
  readonly evaluated: Map<string, Value>;
  readonly evaluating: Set<string>;
}

const MAX_FILE_BYTES = 2 * 1024 * 1024;
const EXTENSIONS = [".ts", ".tsx", ".mts", ".cts", ".js", ".mjs", ".cjs", ".jsx"];
const JS_TO_TS: Record<string, string[]> = {
  ".js": [".ts", ".tsx"],
  ".mjs": [".mts"],
  ".cjs": [".cts"],
  ".jsx": [".tsx"],
};

export function scriptKind(file: string): ts.ScriptKind {
  switch (extname(file)) {
    case ".tsx":
      return ts.ScriptKind.TSX;
    case ".jsx":
      return ts.ScriptKind.JSX;
    case ".js":
    case ".mjs":
    case ".cjs":
      return ts.ScriptKind.JS;
    default:
      return ts.ScriptKind.TS;
  }
}

/** `node:fs/promises` → `fs`, `lodash/merge` → `lodash.merge`, `@scope/pkg/sub` → `@scope/pkg/sub`. */
export function normalizePackage(spec: string): string {
  let s = spec.startsWith("node:") ? spec.slice(5) : spec;
  if (s === "fs/promises") s = "fs";
  if (s === "child_process/promises") s = "child_process";
  if (s.startsWith("lodash/")) s = `lodash.${s.slice(7).replace(/\.js$/, "").toLowerCase()}`;
  else if (s.startsWith("lodash.")) s = s.toLowerCase();
  else if (s === "lodash-es") s = "lodash";
  return s;
}

export function isRelative(spec: string): boolean {
  return spec.startsWith("./") || spec.startsWith("../") || spec === "." || spec === "..";
}

export class ModuleGraph {
  readonly root: string;
  readonly #modules = new Map<string, ModuleInfo | null>();
  /** Why a file that exists could not be parsed. */
  readonly #failures = new Map<string, string>();

  constructor(root: string) {
    this.root = realpathSync(root);
  }

  /** Number of distinct files parsed so far. */
  get size(): number {
    return this.#modules.size;
  }

  load(file: string): ModuleInfo | null {
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      return null;
    }
    if (this.#modules.has(real)) return this.#modules.get(real)!;
    // A handler's import of ../../../etc/x (or a symlink out of the project) is not followed.
    const rel = relative(this.root, real);
    if (rel.startsWith("..") || rel === "" || rel.includes(`node_modules${sep}`) || rel.startsWith("node_modules")) {
      this.#modules.set(real, null);
      return null;
    }
    let text: string;
    try {
      if (statSync(real).size > MAX_FILE_BYTES) throw new Error("too large");
      text = readFileSync(real, "utf8");
    } catch {
      this.#modules.set(real, null);
      return null;
    }
    let sf: ts.SourceFile;
    try {
      // No parent pointers and no JSDoc: the interpreter walks down from declarations only.
      const options = { languageVersion: ts.ScriptTarget.Latest, jsDocParsingMode: ts.JSDocParsingMode.ParseNone };
      sf = ts.createSourceFile(real, text, options, false, scriptKind(real));
    } catch (e) {
      // The parser is recursive: thousands of nested parentheses overflow its stack.
      if (!(e instanceof RangeError)) throw e;
      this.#failures.set(real, "the file nests too deeply to parse");
      this.#modules.set(real, null);
      return null;
    }
    const info: ModuleInfo = {
      file: real,
      rel: rel.split(sep).join("/"),
      sf,
      bindings: new Map(),
      exports: new Map(),
      starExports: [],
      packages: new Set(),
      evaluated: new Map(),
      evaluating: new Set(),
    };
    indexModule(info);
    this.#modules.set(real, info);
    return info;
  }

  failure(file: string): string | undefined {
    try {
      return this.#failures.get(realpathSync(file));
    } catch {
      return undefined;
    }
  }

  /** Resolves a relative specifier the way Node and TypeScript's nodenext/bundler modes do. */
  resolve(from: ModuleInfo, spec: string): ModuleInfo | null {
    if (!isRelative(spec)) return null;
    const base = join(dirname(from.file), spec);
    const ext = extname(base);
    const candidates: string[] = [];
    if (ext) {
      candidates.push(base);
      for (const alt of JS_TO_TS[ext] ?? []) candidates.push(base.slice(0, -ext.length) + alt);
    }
    for (const e of EXTENSIONS) candidates.push(base + e);
    for (const e of EXTENSIONS) candidates.push(join(base, `index${e}`));
    for (const c of candidates) {
      if (isFile(c)) return this.load(c);
    }
    return null;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function indexModule(m: ModuleInfo): void {
  for (const stmt of m.sf.statements) indexStatement(m, stmt);
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((x) => x.kind === kind);
}

function indexStatement(m: ModuleInfo, stmt: ts.Statement): void {
  const exported = hasModifier(stmt, ts.SyntaxKind.ExportKeyword);
  const isDefault = hasModifier(stmt, ts.SyntaxKind.DefaultKeyword);
  if (ts.isImportDeclaration(stmt) && ts.isStringLiteral(stmt.moduleSpecifier)) {
    const spec = stmt.moduleSpecifier.text;
    if (!isRelative(spec)) m.packages.add(normalizePackage(spec));
    const clause = stmt.importClause;
    if (!clause) return;
    if (clause.name) m.bindings.set(clause.name.text, { kind: "import", spec, name: "default" });
    const nb = clause.namedBindings;
    if (nb && ts.isNamespaceImport(nb)) m.bindings.set(nb.name.text, { kind: "import", spec, name: "*" });
    if (nb && ts.isNamedImports(nb))
      for (const el of nb.elements)
        m.bindings.set(el.name.text, { kind: "import", spec, name: (el.propertyName ?? el.name).text });
    return;
  }
  if (ts.isFunctionDeclaration(stmt)) {
    const name = stmt.name?.text ?? (isDefault ? "default" : undefined);
    if (!name) return;
    m.bindings.set(name, { kind: "function", node: stmt });
    if (exported) m.exports.set(isDefault ? "default" : name, { kind: "local", name });
    return;
  }
  if (ts.isClassDeclaration(stmt)) {
    const name = stmt.name?.text ?? (isDefault ? "default" : undefined);
    if (!name) return;
    m.bindings.set(name, { kind: "class", node: stmt });
    if (exported) m.exports.set(isDefault ? "default" : name, { kind: "local", name });
    return;
  }
  if (ts.isEnumDeclaration(stmt)) {
    m.bindings.set(stmt.name.text, { kind: "other" });
    return;
  }
  if (ts.isVariableStatement(stmt)) {
    for (const decl of stmt.declarationList.declarations) {
      for (const [name, path] of patternNames(decl.name, [])) {
        m.bindings.set(name, { kind: "var", decl, path });
        if (exported) m.exports.set(name, { kind: "local", name });
      }
      noteRequire(m, decl.initializer);
    }
    return;
  }
  if (ts.isExportAssignment(stmt)) {
    m.exports.set("default", { kind: "expr", node: stmt.expression });
    return;
  }
  if (ts.isExportDeclaration(stmt)) {
    const spec = stmt.moduleSpecifier && ts.isStringLiteral(stmt.moduleSpecifier) ? stmt.moduleSpecifier.text : null;
    const clause = stmt.exportClause;
    if (!clause) {
      if (spec) m.starExports.push(spec);
      return;
    }
    if (ts.isNamedExports(clause)) {
      for (const el of clause.elements) {
        const local = (el.propertyName ?? el.name).text;
        m.exports.set(el.name.text, spec ? { kind: "reexport", spec, name: local } : { kind: "local", name: local });
      }
    }
    return;
  }
  if (ts.isExpressionStatement(stmt)) indexCommonJs(m, stmt.expression);
}

function noteRequire(m: ModuleInfo, init: ts.Expression | undefined): void {
  let e = init;
  while (e && (ts.isPropertyAccessExpression(e) || ts.isCallExpression(e) || ts.isAwaitExpression(e))) {
    if (ts.isCallExpression(e) && ts.isIdentifier(e.expression) && e.expression.text === "require") {
      const arg = e.arguments[0];
      if (arg && ts.isStringLiteral(arg) && !isRelative(arg.text)) m.packages.add(normalizePackage(arg.text));
      return;
    }
    e = ts.isCallExpression(e) ? e.expression : e.expression;
  }
}

/** `module.exports = …`, `module.exports.x = …`, `exports.x = …`. */
function indexCommonJs(m: ModuleInfo, e: ts.Expression): void {
  if (!ts.isBinaryExpression(e) || e.operatorToken.kind !== ts.SyntaxKind.EqualsToken) return;
  const target = e.left;
  if (isModuleExports(target)) {
    m.cjsDefault = e.right;
    m.exports.set("default", { kind: "expr", node: e.right });
    if (ts.isObjectLiteralExpression(e.right)) {
      for (const p of e.right.properties) {
        if (ts.isShorthandPropertyAssignment(p)) m.exports.set(p.name.text, { kind: "local", name: p.name.text });
        else if (ts.isPropertyAssignment(p) && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)))
          m.exports.set(p.name.text, { kind: "expr", node: p.initializer });
        else if (ts.isMethodDeclaration(p) && ts.isIdentifier(p.name))
          m.exports.set(p.name.text, { kind: "expr", node: p as unknown as ts.Expression });
      }
    }
    return;
  }
  if (ts.isPropertyAccessExpression(target)) {
    const obj = target.expression;
    if (isModuleExports(obj) || (ts.isIdentifier(obj) && obj.text === "exports"))
      m.exports.set(target.name.text, { kind: "expr", node: e.right });
  }
}

function isModuleExports(e: ts.Expression): boolean {
  return (
    ts.isPropertyAccessExpression(e) &&
    ts.isIdentifier(e.expression) &&
    e.expression.text === "module" &&
    e.name.text === "exports"
  );
}

/** Every name a binding pattern introduces, with the member path that reaches it. */
export function patternNames(
  name: ts.BindingName,
  path: readonly (string | number)[],
): Array<[string, readonly (string | number)[]]> {
  if (ts.isIdentifier(name)) return [[name.text, path]];
  const out: Array<[string, readonly (string | number)[]]> = [];
  if (ts.isObjectBindingPattern(name)) {
    for (const el of name.elements) {
      const key = el.dotDotDotToken
        ? "..."
        : el.propertyName
          ? ts.isIdentifier(el.propertyName) || ts.isStringLiteral(el.propertyName)
            ? el.propertyName.text
            : "?"
          : ts.isIdentifier(el.name)
            ? el.name.text
            : "?";
      out.push(...patternNames(el.name, [...path, key]));
    }
  } else {
    name.elements.forEach((el, i) => {
      if (ts.isBindingElement(el)) out.push(...patternNames(el.name, [...path, el.dotDotDotToken ? "..." : i]));
    });
  }
  return out;
}

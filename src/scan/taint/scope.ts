// Names: local variables along the scope chain, then the module's top-level bindings (evaluated
// lazily, once), then globals, which are known to the interpreter by name (`eval`, `fetch`, `JSON`).
import ts from "typescript";
import type { Analysis, Frame } from "./analysis.ts";
import { evalExpr, member } from "./expressions.ts";
import { isRelative, type ModuleInfo, normalizePackage } from "./modules.ts";
import { classValue } from "./classes.ts";
import { CLEAN, derived, type Value } from "./value.ts";

const GLOBALS = new Set([
  "require",
  "eval",
  "Function",
  "fetch",
  "JSON",
  "Number",
  "parseInt",
  "parseFloat",
  "String",
  "Boolean",
  "encodeURIComponent",
  "encodeURI",
  "decodeURIComponent",
  "decodeURI",
  "escape",
  "unescape",
  "Math",
  "Object",
  "Array",
  "Promise",
  "setTimeout",
  "setInterval",
  "setImmediate",
  "RegExp",
  "URL",
  "URLSearchParams",
  "Buffer",
  "Date",
  "Set",
  "Map",
  "structuredClone",
  "Response",
  "atob",
  "btoa",
  "isNaN",
  "isFinite",
  "BigInt",
  "Symbol",
]);

export function lookup(a: Analysis, f: Frame, name: string): Value {
  let module = f.module;
  for (let s: Frame["scope"] | null = f.scope; s; s = s.parent) {
    const v = s.vars.get(name);
    if (v) return v;
    module = s.module;
  }
  const top = topLevel(a, module, name);
  if (top) return top;
  return GLOBALS.has(name) ? { flows: [], api: name } : CLEAN;
}

/** Assigns where the name is declared, or in the innermost scope for names declared elsewhere. */
export function setVar(f: Frame, name: string, v: Value): void {
  for (let s: Frame["scope"] | null = f.scope; s; s = s.parent) {
    if (s.vars.has(name)) {
      s.vars.set(name, v);
      return;
    }
  }
  f.scope.vars.set(name, v);
}

export function moduleFrame(m: ModuleInfo): Frame {
  return {
    fn: null,
    scope: { vars: new Map(), parent: null, module: m },
    module: m,
    depth: 0,
    returns: [],
    isHandler: false,
    recursive: false,
  };
}

function topLevel(a: Analysis, m: ModuleInfo, name: string): Value | undefined {
  const binding = m.bindings.get(name);
  if (!binding) return undefined;
  const done = m.evaluated.get(name);
  if (done) return done;
  if (m.evaluating.has(name)) return CLEAN;
  m.evaluating.add(name);
  let v: Value = CLEAN;
  try {
    switch (binding.kind) {
      case "import":
        v = importValue(a, m, binding.spec, binding.name);
        break;
      case "function":
        v = { flows: [], fn: { node: binding.node, module: m, closure: null, name } };
        break;
      case "var": {
        const f = moduleFrame(m);
        const init = binding.decl.initializer;
        v = init ? evalExpr(a, f, init) : CLEAN;
        for (const key of binding.path) v = typeof key === "number" || key === "..." ? derived(v) : member(a, f, v, key, binding.decl);
        if (v.fn && v.fn.name === "<anonymous>") v = { ...v, fn: { ...v.fn, name } };
        break;
      }
      case "class":
        v = classValue({ node: binding.node, module: m, closure: null, name });
        break;
      case "other":
        v = CLEAN;
    }
  } finally {
    m.evaluating.delete(name);
  }
  m.evaluated.set(name, v);
  return v;
}

export function importValue(a: Analysis, from: ModuleInfo, spec: string, name: string): Value {
  if (!isRelative(spec)) {
    const api = normalizePackage(spec);
    return { flows: [], api: name === "default" || name === "*" ? api : `${api}.${name}` };
  }
  const target = a.graph.resolve(from, spec);
  if (!target) return CLEAN;
  if (name === "*") return { flows: [], module: target };
  return exportValue(a, target, name);
}

/** What `require("./x")` returns: `module.exports`, whose members are the module's exports. */
export function requireValue(a: Analysis, from: ModuleInfo, spec: string): Value {
  if (!isRelative(spec)) return { flows: [], api: normalizePackage(spec) };
  const target = a.graph.resolve(from, spec);
  if (!target) return CLEAN;
  if (!target.cjsDefault) return { flows: [], module: target };
  return { ...exportValue(a, target, "default"), module: target };
}

export function exportValue(a: Analysis, m: ModuleInfo, name: string, seen = new Set<string>()): Value {
  const key = `${m.file}#${name}`;
  if (seen.has(key)) return CLEAN;
  seen.add(key);
  const entry = m.exports.get(name);
  if (!entry) {
    for (const spec of m.starExports) {
      const target = a.graph.resolve(m, spec);
      if (target && (target.exports.has(name) || target.starExports.length > 0)) {
        const v = exportValue(a, target, name, seen);
        if (v !== CLEAN) return v;
      }
    }
    // `import x from "./cjs"` of a module without a default export: the module object itself.
    return name === "default" ? { flows: [], module: m } : CLEAN;
  }
  if (entry.kind === "local") return topLevel(a, m, entry.name) ?? CLEAN;
  if (entry.kind === "reexport") {
    const target = a.graph.resolve(m, entry.spec);
    if (!target) return CLEAN;
    return entry.name === "*" ? { flows: [], module: target } : exportValue(a, target, entry.name, seen);
  }
  const cacheKey = `export:${name}`;
  const done = m.evaluated.get(cacheKey);
  if (done) return done;
  m.evaluated.set(cacheKey, CLEAN);
  const node = entry.node;
  const f = moduleFrame(m);
  const v: Value = ts.isMethodDeclaration(node as ts.Node)
    ? { flows: [], fn: { node: node as unknown as ts.MethodDeclaration, module: m, closure: null, name } }
    : evalExpr(a, f, node);
  const named = v.fn && v.fn.name === "<anonymous>" ? { ...v, fn: { ...v.fn, name } } : v;
  m.evaluated.set(cacheKey, named);
  return named;
}

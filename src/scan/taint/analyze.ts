// Entry point of the taint analysis: one handler export, interpreted from its event parameter.
import ts from "typescript";
import { type Analysis, type Frame, stepAt, type TaintFinding } from "./analysis.ts";
import { bindParameters, runBody } from "./calls.ts";
import { evalExpr, skipOuter } from "./expressions.ts";
import type { ModuleGraph, ModuleInfo } from "./modules.ts";
import { exportValue, moduleFrame } from "./scope.ts";
import { checkResponse } from "./sinks.ts";
import { CLEAN, type FnRef, sourceFlow, type Value } from "./value.ts";

export interface HandlerTarget {
  /** Absolute path of the handler's module. */
  file: string;
  /** The exported name (`handler`, `main`, `default`). */
  exportName: string;
  /** The platform validates the event body against a JSON Schema before the handler runs. */
  schemaValidated?: boolean;
}

export type HandlerAnalysis =
  | { found: true; findings: TaintFinding[]; /** Source text of the modules the handler ran through. */ sources: string[] }
  | { found: false; reason: string };

/** Callee analyses allowed per handler: far above what real handlers need, a bound for generated code. */
const BUDGET = 5000;

export function analyzeHandler(graph: ModuleGraph, target: HandlerTarget): HandlerAnalysis {
  try {
    return analyze(graph, target);
  } catch (e) {
    // Generated or hostile code can still exhaust the stack inside the interpreter's recursion.
    if (e instanceof RangeError) return { found: false, reason: "the handler nests too deeply to analyze" };
    throw e;
  }
}

function analyze(graph: ModuleGraph, target: HandlerTarget): HandlerAnalysis {
  const m = graph.load(target.file);
  if (!m) {
    return { found: false, reason: graph.failure(target.file) ?? "the handler file cannot be read inside the project" };
  }
  const a: Analysis = {
    graph,
    findings: new Map(),
    cache: new Map(),
    stack: new Set(),
    bodyValidated: target.schemaValidated === true,
    budget: BUDGET,
    visited: new Set([m]),
  };
  const fn = handlerFunction(a, m, target.exportName);
  if (!fn) return { found: false, reason: `no function is exported as \`${target.exportName}\`` };
  const frame: Frame = {
    fn,
    scope: { vars: new Map(), parent: fn.closure, module: fn.module },
    module: fn.module,
    depth: 0,
    returns: [],
    isHandler: true,
    recursive: false,
  };
  const first = fn.node.parameters[0];
  const event: Value = first
    ? { flows: [sourceFlow(stepAt(fn.module, first, "source: handler event"), true)], event: true }
    : CLEAN;
  bindParameters(a, frame, fn, [event, CLEAN], (n) => `event bound to \`${n}\``);
  a.stack.add(fn.node);
  const result = runBody(a, frame);
  const body = (fn.node as ts.FunctionLikeDeclaration).body;
  if (body && !ts.isBlock(body)) checkResponse(a, frame, result, body);
  return { found: true, findings: [...a.findings.values()], sources: [...a.visited].map((v) => v.sf.text) };
}

/** The exported function, also when wrapped: `export const handler = middy(main).use(…)`. */
function handlerFunction(a: Analysis, m: ModuleInfo, name: string): FnRef | null {
  const v = exportValue(a, m, name);
  if (v.fn) return v.fn;
  const node = exportedExpression(m, name);
  return node ? wrapped(a, moduleFrame(m), node) : null;
}

function exportedExpression(m: ModuleInfo, name: string): ts.Expression | undefined {
  const entry = m.exports.get(name);
  if (!entry) return undefined;
  if (entry.kind === "expr") return entry.node;
  if (entry.kind !== "local") return undefined;
  const binding = m.bindings.get(entry.name);
  return binding?.kind === "var" ? binding.decl.initializer : undefined;
}

function wrapped(a: Analysis, f: Frame, e: ts.Expression, depth = 0): FnRef | null {
  const x = skipOuter(e);
  if (depth > 8) return null;
  if (ts.isCallExpression(x)) {
    for (const arg of x.arguments) {
      const v = evalExpr(a, f, arg);
      if (v.fn) return v.fn;
    }
    return wrapped(a, f, x.expression, depth + 1);
  }
  if (ts.isPropertyAccessExpression(x)) return wrapped(a, f, x.expression, depth + 1);
  return null;
}

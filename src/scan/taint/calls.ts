// Calls: sinks are checked, library calls are modeled (sanitizers, JSON.parse, path.*), the
// project's own functions are entered with the argument values (interprocedural, depth-bounded,
// cached per argument signature), callbacks run with the elements they receive.
import ts from "typescript";
import { type Analysis, type Frame, MAX_CALL_DEPTH, report, stepAt, unsafeFlow } from "./analysis.ts";
import { evalExpr, member, skipOuter } from "./expressions.ts";
import { modelCall } from "./models.ts";
import { requireValue, setVar } from "./scope.ts";
import { construct } from "./classes.ts";
import { checkSinks } from "./sinks.ts";
import { bindName, execStatements } from "./statements.ts";
import { CLEAN, deepFlows, derived, type FnRef, join, joinAll, mergeFlows, signature, type Value, withStep } from "./value.ts";

export interface CallSite {
  readonly node: ts.CallExpression | ts.NewExpression;
  readonly calleeNode: ts.Expression;
  readonly callee: Value;
  readonly receiver?: Value;
  readonly receiverNode?: ts.Expression;
  /** The method name of `x.method(…)`. */
  readonly method?: string;
  /** The method name, or the called identifier's name. */
  readonly name?: string;
  readonly args: readonly Value[];
  readonly argNodes: readonly ts.Expression[];
  readonly isNew: boolean;
}

const ELEMENT_CALLBACKS = new Set([
  "map", "forEach", "filter", "find", "findIndex", "findLast", "findLastIndex", "some", "every", "flatMap", "sort",
]);
const STRING_METHODS = new Set([
  "trim", "trimStart", "trimEnd", "toLowerCase", "toUpperCase", "toLocaleLowerCase", "toLocaleUpperCase", "slice",
  "substring", "substr", "split", "replace", "replaceAll", "padStart", "padEnd", "normalize", "concat", "charAt",
  "repeat", "toString", "join", "at",
]);
/** Methods whose arguments end up in their result (or in the receiver, for the mutators). */
const ARG_INTO_RESULT = new Set(["concat", "replace", "replaceAll", "padStart", "padEnd", "join", "with"]);
const MUTATORS = new Set(["push", "unshift", "splice", "set", "add", "append", "fill"]);
/** Library results that never carry request data through (hashes, ids, verified tokens). */
const OPAQUE_API = /^(crypto|uuid|bcrypt|bcryptjs|argon2|nanoid|jsonwebtoken\.verify|jose\.jwtVerify)\b/;
/** Library functions that transform their arguments into the result. */
const THROUGH_API =
  /^(lodash(\.|$)|underscore|ramda|validator\.|qs\.|querystring\.|url\.|util\.format|Buffer\.(from|concat)|Array\.(from|of)|Object\.(assign|values|entries|fromEntries)|Promise\.(all|allSettled|race|any)|decodeURI|unescape|atob|btoa|String\.raw|util\.inspect)/;

export function evalCall(a: Analysis, f: Frame, node: ts.CallExpression): Value {
  const calleeNode = skipOuter(node.expression);
  if (calleeNode.kind === ts.SyntaxKind.ImportKeyword) return dynamicImport(a, f, node);
  return applyCall(a, f, site(a, f, node, calleeNode, node.arguments, false));
}

export function evalNew(a: Analysis, f: Frame, node: ts.NewExpression): Value {
  return applyCall(a, f, site(a, f, node, skipOuter(node.expression), node.arguments ?? [], true));
}

function site(
  a: Analysis,
  f: Frame,
  node: ts.CallExpression | ts.NewExpression,
  calleeNode: ts.Expression,
  argNodes: readonly ts.Expression[],
  isNew: boolean,
): CallSite {
  let receiverNode: ts.Expression | undefined;
  let method: string | undefined;
  if (ts.isPropertyAccessExpression(calleeNode)) {
    receiverNode = calleeNode.expression;
    method = calleeNode.name.text;
  } else if (ts.isElementAccessExpression(calleeNode) && ts.isStringLiteralLike(calleeNode.argumentExpression)) {
    receiverNode = calleeNode.expression;
    method = calleeNode.argumentExpression.text;
  }
  const receiver = receiverNode ? evalExpr(a, f, receiverNode) : undefined;
  const callee =
    receiver && method !== undefined ? member(a, f, receiver, method, calleeNode) : evalExpr(a, f, calleeNode);
  const args = argNodes.map((x) => evalExpr(a, f, x));
  const name = method ?? (ts.isIdentifier(calleeNode) ? calleeNode.text : undefined);
  const base = { node, calleeNode, callee, args, argNodes, isNew };
  return {
    ...base,
    ...(receiver ? { receiver } : {}),
    ...(receiverNode ? { receiverNode } : {}),
    ...(method !== undefined ? { method } : {}),
    ...(name !== undefined ? { name } : {}),
  };
}

function dynamicImport(a: Analysis, f: Frame, node: ts.CallExpression): Value {
  const arg = node.arguments[0];
  if (!arg) return CLEAN;
  if (ts.isStringLiteralLike(arg)) return requireValue(a, f.module, arg.text);
  const flow = unsafeFlow(deepFlows(evalExpr(a, f, arg)), "taint/code-injection");
  if (flow) report(a, f, "taint/code-injection", node, flow, "import()");
  return CLEAN;
}

function applyCall(a: Analysis, f: Frame, s: CallSite): Value {
  checkSinks(a, f, s);
  const modeled = modelCall(a, f, s);
  if (modeled) return modeled;
  if (s.isNew && s.callee.cls) return construct(a, f, s.callee.cls, s.args);
  if (s.callee.fn) return callFunction(a, f, s.callee.fn, s.args, s.node, false, s.receiver);
  const target = s.receiver?.fn;
  if (target && s.method === "call") return callFunction(a, f, target, s.args.slice(1), s.node);
  if (target && s.method === "apply") {
    const spread = derived(s.args[1] ?? CLEAN);
    return callFunction(a, f, target, target.node.parameters.map(() => spread), s.node);
  }
  if (target && s.method === "bind") return s.receiver!;
  return defaultResult(f, s, runCallbacks(a, f, s));
}

/** Enters one of the project's functions with these argument values; returns what it returns. */
export function callFunction(
  a: Analysis,
  f: Frame,
  fn: FnRef,
  args: readonly Value[],
  callNode: ts.Node,
  inheritRecursive = false,
  self?: Value,
): Value {
  if (a.stack.has(fn.node) || f.depth >= MAX_CALL_DEPTH || a.budget <= 0) return passThrough(args);
  // Arrow functions keep the `this` of where they were written.
  const thisValue = self && !ts.isArrowFunction(fn.node) ? self : undefined;
  const key = `${fn.module.file}:${fn.node.pos}:${inheritRecursive}|${args.map((v) => signature(v)).join("§")}|${thisValue ? signature(thisValue, 1) : ""}`;
  let result = a.cache.get(key);
  if (!result) {
    a.budget--;
    a.visited.add(fn.module);
    a.cache.set(key, passThrough(args));
    const frame: Frame = {
      fn,
      scope: { vars: new Map(), parent: fn.closure, module: fn.module },
      module: fn.module,
      depth: f.depth + 1,
      returns: [],
      isHandler: false,
      recursive: inheritRecursive || isRecursive(fn),
    };
    if (thisValue) frame.scope.vars.set("this", thisValue);
    bindParameters(a, frame, fn, args, (n) => `passed to ${fn.name}() as \`${n}\``);
    a.stack.add(fn.node);
    try {
      result = runBody(a, frame);
    } finally {
      a.stack.delete(fn.node);
    }
    a.cache.set(key, result);
  }
  return withStep(result, () => stepAt(f.module, callNode, `returned from ${fn.name}()`));
}

export function bindParameters(a: Analysis, frame: Frame, fn: FnRef, args: readonly Value[], note: (n: string) => string): void {
  fn.node.parameters.forEach((p, i) => {
    let v = p.dotDotDotToken ? joinAll(args.slice(i)) : (args[i] ?? CLEAN);
    if (p.initializer) v = join(v, evalExpr(a, frame, p.initializer));
    bindName(a, frame, p.name, v, note);
  });
}

export function runBody(a: Analysis, frame: Frame): Value {
  const body = (frame.fn?.node as ts.FunctionLikeDeclaration | undefined)?.body;
  if (!body) return CLEAN;
  if (ts.isBlock(body)) {
    execStatements(a, frame, body.statements);
    return joinAll(frame.returns);
  }
  const v = evalExpr(a, frame, body);
  frame.returns.push(v);
  return v;
}

function passThrough(args: readonly Value[]): Value {
  return joinAll(args.map((v) => derived(v)));
}

const recursion = new WeakMap<ts.Node, boolean>();

/** Does the function call itself by name (a recursive merge or walk)? */
function isRecursive(fn: FnRef): boolean {
  const known = recursion.get(fn.node);
  if (known !== undefined) return known;
  let found = false;
  const visit = (n: ts.Node): void => {
    if (found) return;
    if (ts.isCallExpression(n)) {
      const c = skipOuter(n.expression);
      if ((ts.isIdentifier(c) && c.text === fn.name) || (ts.isPropertyAccessExpression(c) && c.name.text === fn.name))
        found = true;
    }
    ts.forEachChild(n, visit);
  };
  const body = (fn.node as ts.FunctionLikeDeclaration).body;
  if (body) visit(body);
  recursion.set(fn.node, found);
  return found;
}

/** Callbacks given to a call run with what they would receive: array elements, a resolved value. */
function runCallbacks(a: Analysis, f: Frame, s: CallSite): Value {
  const results: Value[] = [];
  s.args.forEach((arg, i) => {
    if (!arg.fn) return;
    results.push(callFunction(a, f, arg.fn, callbackArguments(s, i), s.node, f.recursive));
  });
  return joinAll(results);
}

function callbackArguments(s: CallSite, index: number): Value[] {
  const receiver = s.receiver;
  if (!receiver || s.method === undefined) return [];
  const element = receiver.stringMap ? derived(receiver, false) : derived(receiver);
  if (ELEMENT_CALLBACKS.has(s.method)) return [element, CLEAN, receiver];
  if ((s.method === "reduce" || s.method === "reduceRight") && index === 0) return [s.args[1] ?? CLEAN, element];
  if (s.method === "then" && index === 0) return [receiver];
  return [];
}

function defaultResult(f: Frame, s: CallSite, fromCallbacks: Value): Value {
  const api = s.callee.api;
  if (api !== undefined) {
    if (OPAQUE_API.test(api)) return { flows: [], api: `${api}()` };
    const through = THROUGH_API.test(api) ? deepArgs(s.args) : [];
    return { flows: mergeFlows(through, fromCallbacks.flows), api: `${api}()` };
  }
  if (s.receiver && s.method !== undefined) {
    let v = STRING_METHODS.has(s.method) ? derived(s.receiver, false) : derived(s.receiver);
    if (ARG_INTO_RESULT.has(s.method)) v = join(v, { flows: deepArgs(s.args.slice(s.method.startsWith("replace") ? 1 : 0)) });
    if (MUTATORS.has(s.method) && s.receiverNode && ts.isIdentifier(skipOuter(s.receiverNode))) {
      const name = (skipOuter(s.receiverNode) as ts.Identifier).text;
      setVar(f, name, join(s.receiver, { flows: deepArgs(s.args) }));
    }
    return join(v, fromCallbacks);
  }
  // A function we cannot see into (a parameter, a package outside the project): taint passes through.
  return join(passThrough(s.args), fromCallbacks);
}

function deepArgs(args: readonly Value[]): ReturnType<typeof deepFlows> {
  return args.reduce<ReturnType<typeof deepFlows>>((acc, v) => mergeFlows(acc, deepFlows(v)), []);
}

// What a condition proves about a value when it is true (or false): the sanitizing checks of
// the rules. `if (!ALLOWED.includes(x)) return` leaves x clean after the if; `typeof x ===
// "string"` rules out operator objects (CWE-943); `p.startsWith(BASE)` on a resolved path is a
// containment check (CWE-22); `key === "__proto__"` false rules out CWE-1321 for that key.
import ts from "typescript";
import type { Analysis, Frame } from "./analysis.ts";
import { evalExpr, member, skipOuter } from "./expressions.ts";
import type { TaintRuleId } from "./rules.ts";
import { lookup } from "./scope.ts";
import { asString, cleanedFor, deepFlows, HOLE, GAP, type Value } from "./value.ts";

export type Effect = "clean" | "string" | readonly TaintRuleId[];

export interface Fact {
  name: string;
  /** Members below the variable: `u.hostname` → ["hostname"]. */
  props: readonly string[];
  node: ts.Node;
  effect: Effect;
}

const PROTO_KEYS = new Set(["__proto__", "constructor", "prototype"]);
const HOST_MEMBERS = new Set(["host", "hostname", "origin"]);

export function conditionFacts(a: Analysis, f: Frame, cond: ts.Expression, truthy: boolean): Fact[] {
  const e = skipOuter(cond);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.ExclamationToken)
    return conditionFacts(a, f, e.operand, !truthy);
  if (ts.isBinaryExpression(e)) return binaryFacts(a, f, e, truthy);
  if (ts.isCallExpression(e)) return callFacts(a, f, e, truthy);
  return [];
}

function binaryFacts(a: Analysis, f: Frame, e: ts.BinaryExpression, truthy: boolean): Fact[] {
  const op = e.operatorToken.kind;
  const both = () => [...conditionFacts(a, f, e.left, truthy), ...conditionFacts(a, f, e.right, truthy)];
  const either = () => intersect(conditionFacts(a, f, e.left, truthy), conditionFacts(a, f, e.right, truthy));
  if (op === ts.SyntaxKind.AmpersandAmpersandToken) return truthy ? both() : either();
  if (op === ts.SyntaxKind.BarBarToken) return truthy ? either() : both();
  const isEq = op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken;
  const isNe = op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken;
  const left = skipOuter(e.left);
  const right = skipOuter(e.right);
  const membership = indexOfMembership(op, left, right, truthy) ?? indexOfMembership(flip(op), right, left, truthy);
  if (membership) return membershipFacts(a, f, membership.coll, membership.item, membership.member);
  if (!isEq && !isNe) return [];
  const equal = isEq === truthy;
  for (const [x, y] of [
    [left, right],
    [right, left],
  ] as const) {
    if (ts.isTypeOfExpression(x) && ts.isStringLiteralLike(y)) {
      if (!equal) return [];
      if (["number", "boolean", "bigint", "undefined"].includes(y.text)) return fact(x.expression, "clean");
      return y.text === "string" ? fact(x.expression, "string") : [];
    }
    if (isLiteral(y)) {
      if (equal) return fact(x, "clean");
      return ts.isStringLiteralLike(y) && PROTO_KEYS.has(y.text) ? fact(x, ["taint/prototype-pollution"]) : [];
    }
  }
  return [];
}

function flip(op: ts.SyntaxKind): ts.SyntaxKind {
  switch (op) {
    case ts.SyntaxKind.GreaterThanToken:
      return ts.SyntaxKind.LessThanToken;
    case ts.SyntaxKind.LessThanToken:
      return ts.SyntaxKind.GreaterThanToken;
    case ts.SyntaxKind.GreaterThanEqualsToken:
      return ts.SyntaxKind.LessThanEqualsToken;
    case ts.SyntaxKind.LessThanEqualsToken:
      return ts.SyntaxKind.GreaterThanEqualsToken;
    default:
      return op;
  }
}

/** `list.indexOf(x) !== -1`, `> -1`, `>= 0`, `=== -1`, `< 0`: is x a member when the test is `truthy`? */
function indexOfMembership(
  op: ts.SyntaxKind,
  call: ts.Expression,
  bound: ts.Expression,
  truthy: boolean,
): { coll: ts.Expression; item: ts.Expression; member: boolean } | null {
  if (!ts.isCallExpression(call) || !ts.isPropertyAccessExpression(call.expression)) return null;
  if (call.expression.name.text !== "indexOf" || !call.arguments[0]) return null;
  const n = numberValue(bound);
  if (n === null) return null;
  let found: boolean | null = null;
  if ((op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.EqualsEqualsToken) && n === -1) found = false;
  if ((op === ts.SyntaxKind.ExclamationEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsToken) && n === -1) found = true;
  if (op === ts.SyntaxKind.GreaterThanToken && n === -1) found = true;
  if (op === ts.SyntaxKind.GreaterThanEqualsToken && n === 0) found = true;
  if (op === ts.SyntaxKind.LessThanToken && n === 0) found = false;
  if (found === null) return null;
  return { coll: call.expression.expression, item: call.arguments[0], member: found === truthy };
}

function numberValue(e: ts.Expression): number | null {
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (ts.isPrefixUnaryExpression(e) && e.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(e.operand))
    return -Number(e.operand.text);
  return null;
}

function isLiteral(e: ts.Expression): boolean {
  return (
    ts.isStringLiteralLike(e) ||
    ts.isNumericLiteral(e) ||
    e.kind === ts.SyntaxKind.TrueKeyword ||
    e.kind === ts.SyntaxKind.FalseKeyword
  );
}

/** An allowlist proves membership; a denylist of __proto__-like keys only proves their absence. */
function membershipFacts(a: Analysis, f: Frame, collExpr: ts.Expression, item: ts.Expression, isMember: boolean): Fact[] {
  const coll = evalExpr(a, f, collExpr);
  if (deepFlows(coll).length > 0) return [];
  const denylist = coll.consts?.some((c) => PROTO_KEYS.has(c)) ?? false;
  if (denylist) return isMember ? [] : fact(item, ["taint/prototype-pollution"]);
  return isMember ? fact(item, "clean") : [];
}

function callFacts(a: Analysis, f: Frame, e: ts.CallExpression, truthy: boolean): Fact[] {
  const callee = skipOuter(e.expression);
  const [arg0, arg1] = e.arguments;
  if (ts.isPropertyAccessExpression(callee)) {
    const method = callee.name.text;
    const objExpr = skipOuter(callee.expression);
    if ((method === "includes" || method === "has") && arg0) return membershipFacts(a, f, objExpr, arg0, truthy);
    // The remaining checks prove something only when they pass.
    if (!truthy) return [];
    if (method === "test" && arg0 && ts.isRegularExpressionLiteral(objExpr) && isAnchored(objExpr.text))
      return fact(arg0, "clean");
    if (method === "startsWith" && arg0) return containmentFacts(a, f, objExpr, arg0);
    if (method === "hasOwn" && arg1 && ts.isIdentifier(objExpr) && objExpr.text === "Object")
      return deepFlows(evalExpr(a, f, arg0!)).length === 0 ? fact(arg1, "clean") : [];
    const receiver = evalExpr(a, f, objExpr);
    if (method === "validate" && arg1 && receiver.api?.startsWith("ajv")) return fact(arg1, "clean");
    if (["isInteger", "isSafeInteger", "isFinite"].includes(method) && arg0 && receiver.api === "Number")
      return fact(arg0, "clean");
    if (receiver.props?.get(method)?.validator && arg0) return fact(arg0, "clean");
    return [];
  }
  if (!arg0 || !truthy) return [];
  const fn = evalExpr(a, f, callee);
  if (fn.validator) return fact(arg0, "clean");
  if (fn.api === "assert" || fn.api === "assert.ok") return conditionFacts(a, f, arg0, true);
  return [];
}

/** /^[a-z0-9_-]+$/ style: the whole input must match. */
function isAnchored(regex: string): boolean {
  const body = regex.slice(1, regex.lastIndexOf("/"));
  return body.startsWith("^") && body.endsWith("$") && !body.endsWith("\\$") && !/(^|[^\\])\.\*/.test(body);
}

function containmentFacts(a: Analysis, f: Frame, objExpr: ts.Expression, prefixExpr: ts.Expression): Fact[] {
  const subject = evalExpr(a, f, objExpr);
  const prefix = evalExpr(a, f, prefixExpr);
  if (deepFlows(prefix).length > 0) return [];
  const rules: TaintRuleId[] = [];
  if (subject.normalized) rules.push("taint/path-traversal");
  if (prefix.text !== undefined && fixedOrigin(prefix.text)) rules.push("taint/ssrf");
  return rules.length > 0 ? fact(objExpr, rules) : [];
}

/** A URL text whose scheme, host and the `/` after the host are constant: the origin is fixed. */
export function fixedOrigin(text: string): boolean {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#\\]*)([/?#])/i.exec(text);
  return m !== null && !m[2]!.includes(HOLE) && !m[2]!.includes(GAP) && m[2]!.length > 0;
}

export function fact(target: ts.Expression, effect: Effect): Fact[] {
  const props: string[] = [];
  let e = skipOuter(target);
  while (ts.isPropertyAccessExpression(e) || (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression))) {
    props.unshift(ts.isPropertyAccessExpression(e) ? e.name.text : (e.argumentExpression as ts.StringLiteral).text);
    e = skipOuter(e.expression);
  }
  if (!ts.isIdentifier(e) || props.length > 4) return [];
  return [{ name: e.text, props, node: target, effect }];
}

function intersect(xs: Fact[], ys: Fact[]): Fact[] {
  const out: Fact[] = [];
  for (const x of xs) {
    const y = ys.find((c) => c.name === x.name && c.props.join(".") === x.props.join("."));
    if (!y) continue;
    if (x.effect === "clean") out.push(y);
    else if (y.effect === "clean" || x.effect === y.effect) out.push(x);
    else if (Array.isArray(x.effect) && Array.isArray(y.effect)) {
      const common = (x.effect as TaintRuleId[]).filter((r) => (y.effect as TaintRuleId[]).includes(r));
      if (common.length > 0) out.push({ ...x, effect: common });
    }
  }
  return out;
}

function applyEffect(v: Value, effect: Effect): Value {
  if (effect === "clean") return cleanedFor(v, "all");
  if (effect === "string") return asString(v);
  return cleanedFor(v, effect);
}

/** Shadows each proven variable in the innermost scope with its cleaned value. */
export function applyFacts(a: Analysis, f: Frame, facts: readonly Fact[]): void {
  for (const fa of facts) {
    const root = lookup(a, f, fa.name);
    f.scope.vars.set(fa.name, refine(a, f, root, fa.props, fa));
  }
}

function refine(a: Analysis, f: Frame, v: Value, props: readonly string[], fa: Fact): Value {
  const [head, ...rest] = props;
  if (head === undefined) return applyEffect(v, fa.effect);
  const next = refine(a, f, member(a, f, v, head, fa.node), rest, fa);
  const out: Value = { ...v, props: new Map(v.props ?? []).set(head, next) };
  // An allowlisted host makes the URL it belongs to safe to fetch (CWE-918).
  return rest.length === 0 && HOST_MEMBERS.has(head) && fa.effect === "clean" ? cleanedFor(out, ["taint/ssrf"]) : out;
}

// Expression evaluation: what taint an expression carries, and where request data enters
// (reads of the handler's event). Calls live in calls.ts, statements in statements.ts.
import ts from "typescript";
import type { PathStep } from "../types.ts";
import { type Analysis, type Frame, report, stepAt, unsafeFlow } from "./analysis.ts";
import { evalCall, evalNew } from "./calls.ts";
import { classValue } from "./classes.ts";
import { applyFacts, conditionFacts } from "./guards.ts";
import { exportValue, lookup, setVar } from "./scope.ts";
import {
  CLEAN,
  constText,
  deepFlows,
  derived,
  type FnRef,
  join,
  joinAll,
  mergeFlows,
  sourceFlow,
  stringOf,
  type Flow,
  type Value,
  withStep,
} from "./value.ts";

/** Event members that carry request data and are maps of strings (attacker picks the keys). */
const STRING_MAPS = new Set([
  "queryStringParameters",
  "multiValueQueryStringParameters",
  "pathParameters",
  "headers",
  "multiValueHeaders",
  "query",
  "params",
  "cookies",
]);
/** Strings: the HTTP API v2 body is text (base64 for binary); JSON.parse is what makes it an object. */
const STRINGS = new Set(["body", "rawPath", "rawQueryString", "path"]);
/** Set by the platform or the cloud, never by the caller. */
const TRUSTED = new Set([
  "isBase64Encoded",
  "httpMethod",
  "method",
  "routeKey",
  "version",
  "resource",
  "stageVariables",
  "source",
  "detail-type",
  "time",
  "id",
  "account",
  "region",
  "eventSource",
]);

let nesting = 0;
const MAX_NESTING = 1500;

export function evalExpr(a: Analysis, f: Frame, e: ts.Expression): Value {
  // A generated file can nest expressions thousands deep; the analysis gives up there, not the stack.
  if (nesting > MAX_NESTING) return CLEAN;
  nesting++;
  try {
    return evaluate(a, f, e);
  } finally {
    nesting--;
  }
}

function evaluate(a: Analysis, f: Frame, e: ts.Expression): Value {
  switch (e.kind) {
    case ts.SyntaxKind.Identifier:
      return (e as ts.Identifier).text === "undefined" ? CLEAN : lookup(a, f, (e as ts.Identifier).text);
    case ts.SyntaxKind.StringLiteral:
    case ts.SyntaxKind.NoSubstitutionTemplateLiteral:
      return constText((e as ts.StringLiteral).text);
    case ts.SyntaxKind.TrueKeyword:
      return constText("true");
    case ts.SyntaxKind.ThisKeyword:
      return lookup(a, f, "this");
    case ts.SyntaxKind.ClassExpression: {
      const c = e as ts.ClassExpression;
      return classValue({ node: c, module: f.module, closure: f.scope, name: c.name?.text ?? "<anonymous>" });
    }
    case ts.SyntaxKind.TemplateExpression:
      return template(a, f, e as ts.TemplateExpression);
    case ts.SyntaxKind.TaggedTemplateExpression:
      return tagged(a, f, e as ts.TaggedTemplateExpression);
    case ts.SyntaxKind.ParenthesizedExpression:
    case ts.SyntaxKind.AsExpression:
    case ts.SyntaxKind.TypeAssertionExpression:
    case ts.SyntaxKind.NonNullExpression:
    case ts.SyntaxKind.SatisfiesExpression:
    case ts.SyntaxKind.AwaitExpression:
      return evalExpr(a, f, (e as ts.ParenthesizedExpression).expression);
    case ts.SyntaxKind.PropertyAccessExpression: {
      const pa = e as ts.PropertyAccessExpression;
      return member(a, f, evalExpr(a, f, pa.expression), pa.name.text, pa);
    }
    case ts.SyntaxKind.ElementAccessExpression:
      return elementAccess(a, f, e as ts.ElementAccessExpression);
    case ts.SyntaxKind.CallExpression:
      return evalCall(a, f, e as ts.CallExpression);
    case ts.SyntaxKind.NewExpression:
      return evalNew(a, f, e as ts.NewExpression);
    case ts.SyntaxKind.BinaryExpression:
      return binary(a, f, e as ts.BinaryExpression);
    case ts.SyntaxKind.ConditionalExpression: {
      const c = e as ts.ConditionalExpression;
      evalExpr(a, f, c.condition);
      const whenTrue = refined(a, f, c.condition, true, () => evalExpr(a, f, c.whenTrue));
      const whenFalse = refined(a, f, c.condition, false, () => evalExpr(a, f, c.whenFalse));
      return join(whenTrue, whenFalse);
    }
    case ts.SyntaxKind.ObjectLiteralExpression:
      return objectLiteral(a, f, e as ts.ObjectLiteralExpression);
    case ts.SyntaxKind.ArrayLiteralExpression:
      return arrayLiteral(a, f, e as ts.ArrayLiteralExpression);
    case ts.SyntaxKind.ArrowFunction:
    case ts.SyntaxKind.FunctionExpression:
      return { flows: [], fn: fnRef(f, e as ts.ArrowFunction, (e as ts.FunctionExpression).name?.text) };
    case ts.SyntaxKind.SpreadElement:
      return derived(evalExpr(a, f, (e as ts.SpreadElement).expression));
    case ts.SyntaxKind.PrefixUnaryExpression:
    case ts.SyntaxKind.PostfixUnaryExpression:
      evalExpr(a, f, (e as ts.PrefixUnaryExpression).operand);
      return CLEAN;
    case ts.SyntaxKind.TypeOfExpression:
    case ts.SyntaxKind.VoidExpression:
    case ts.SyntaxKind.DeleteExpression:
      evalExpr(a, f, (e as ts.TypeOfExpression).expression);
      return CLEAN;
    default:
      // Literals, `this`, classes, JSX, yield: evaluate what is inside for the sinks it may hold.
      ts.forEachChild(e, (c) => {
        if (ts.isExpression(c)) evalExpr(a, f, c);
      });
      return CLEAN;
  }
}

export function fnRef(f: Frame, node: ts.SignatureDeclaration, name?: string): FnRef {
  return { node, module: f.module, closure: f.scope, name: name ?? "<anonymous>" };
}

/** Runs `body` with the facts a condition proves applied, then restores the scope. */
export function refined<T>(a: Analysis, f: Frame, cond: ts.Expression, truthy: boolean, body: () => T): T {
  const facts = conditionFacts(a, f, cond, truthy);
  if (facts.length === 0) return body();
  const saved = f.scope.vars;
  f.scope.vars = new Map(saved);
  applyFacts(a, f, facts);
  try {
    return body();
  } finally {
    f.scope.vars = saved;
  }
}

/** `value.name`: an export, a library member, a known member, or request data read from the event. */
export function member(a: Analysis, f: Frame, v: Value, name: string, node: ts.Node): Value {
  const known = v.props?.get(name);
  if (known) return known;
  if (v.module) return exportValue(a, v.module, name);
  if (v.event) return eventMember(a, f, name, node);
  if (v.api) return v.api === "fs" && name === "promises" ? v : { flows: v.flows, api: `${v.api}.${name}` };
  if (name === "length") return CLEAN;
  if (v.stringMap) return derived(v, false);
  // A member the object's known members do not include comes from the object's own taint only.
  return v.props ? derived({ flows: v.flows }) : derived(v);
}

function eventMember(a: Analysis, f: Frame, name: string, node: ts.Node): Value {
  if (TRUSTED.has(name)) return CLEAN;
  if (name === "body" && a.bodyValidated) return CLEAN;
  const step = stepAt(f.module, node, `source: event.${name}`);
  if (name === "requestContext") return requestContext(step);
  if (STRING_MAPS.has(name)) return { flows: [sourceFlow(step, true)], stringMap: true };
  // Anything else (queue and storage records, a direct invocation's payload) is a parsed object.
  return { flows: [sourceFlow(step, !STRINGS.has(name))] };
}

/**
 * The request context is the platform's, but it repeats three things the client chose: the Host
 * header (domainName, domainPrefix), the path and the User-Agent. The rest (sourceIp, requestId,
 * an authorizer's verified claims) is trusted.
 */
function requestContext(step: PathStep): Value {
  const text = (what: string): Value => ({ flows: [sourceFlow({ ...step, note: `${step.note}.${what}` }, false)] });
  const http: Value = { flows: [], props: new Map([["path", text("http.path")], ["userAgent", text("http.userAgent")]]) };
  return { flows: [], props: new Map([["http", http], ["domainName", text("domainName")], ["domainPrefix", text("domainPrefix")]]) };
}

function elementAccess(a: Analysis, f: Frame, e: ts.ElementAccessExpression): Value {
  const obj = evalExpr(a, f, e.expression);
  const arg = e.argumentExpression;
  if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) return member(a, f, obj, arg.text, e);
  const key = evalExpr(a, f, arg);
  if (key.text !== undefined && deepFlows(key).length === 0 && !/[\u0001\u0002]/.test(key.text))
    return member(a, f, obj, key.text, e);
  if (obj.event) return withStep(derived({ flows: obj.flows }, true), () => stepAt(f.module, e, "source: event[…]"));
  // A constant lookup table indexed by a request key yields one of its constants.
  const fromProps = obj.props ? joinAll([...obj.props.values()]) : CLEAN;
  return join(fromProps, obj.stringMap ? derived({ flows: obj.flows }, false) : derived({ flows: obj.flows }));
}

function template(a: Analysis, f: Frame, e: ts.TemplateExpression): Value {
  const parts: Value[] = [CLEAN];
  const literal: (string | null)[] = [e.head.text];
  for (const span of e.templateSpans) {
    parts.push(evalExpr(a, f, span.expression), CLEAN);
    literal.push(null, span.literal.text);
  }
  return stringOf(parts, literal);
}

function tagged(a: Analysis, f: Frame, e: ts.TaggedTemplateExpression): Value {
  const tag = evalExpr(a, f, e.tag);
  if (ts.isNoSubstitutionTemplateLiteral(e.template)) return tag.api === "String.raw" ? constText(e.template.text) : CLEAN;
  const value = template(a, f, e.template);
  // sql`…${x}` (postgres.js, slonik, Prisma $queryRaw) sends x as a parameter: only String.raw builds text.
  return tag.api === "String.raw" ? value : CLEAN;
}

function binary(a: Analysis, f: Frame, e: ts.BinaryExpression): Value {
  const op = e.operatorToken.kind;
  if (op === ts.SyntaxKind.EqualsToken) {
    const v = evalExpr(a, f, e.right);
    assign(a, f, e.left, v);
    return v;
  }
  if (
    op === ts.SyntaxKind.PlusEqualsToken ||
    op === ts.SyntaxKind.QuestionQuestionEqualsToken ||
    op === ts.SyntaxKind.BarBarEqualsToken ||
    op === ts.SyntaxKind.AmpersandAmpersandEqualsToken
  ) {
    const left = evalExpr(a, f, e.left);
    const right = evalExpr(a, f, e.right);
    const v = op === ts.SyntaxKind.PlusEqualsToken ? plus(left, right) : join(left, right);
    assign(a, f, e.left, v);
    return v;
  }
  if (op === ts.SyntaxKind.AmpersandAmpersandToken) {
    const left = evalExpr(a, f, e.left);
    return join(left, refined(a, f, e.left, true, () => evalExpr(a, f, e.right)));
  }
  if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) {
    const left = evalExpr(a, f, e.left);
    return join(left, refined(a, f, e.left, false, () => evalExpr(a, f, e.right)));
  }
  const left = evalExpr(a, f, e.left);
  const right = evalExpr(a, f, e.right);
  if (op === ts.SyntaxKind.PlusToken) return plus(left, right);
  if (op === ts.SyntaxKind.CommaToken) return right;
  // Comparisons and arithmetic produce booleans and numbers: nothing an attacker can shape.
  return CLEAN;
}

function plus(left: Value, right: Value): Value {
  if (left.text === undefined && right.text === undefined && deepFlows(left).length === 0 && deepFlows(right).length === 0)
    return CLEAN;
  return stringOf([left, right], [null, null]);
}

function objectLiteral(a: Analysis, f: Frame, e: ts.ObjectLiteralExpression): Value {
  const props = new Map<string, Value>();
  let flows: readonly Flow[] = [];
  let event = false;
  for (const p of e.properties) {
    if (ts.isPropertyAssignment(p)) {
      const key = propertyKey(p.name);
      const v = evalExpr(a, f, p.initializer);
      if (key !== null) props.set(key, v.fn && v.fn.name === "<anonymous>" ? { ...v, fn: { ...v.fn, name: key } } : v);
      else flows = mergeFlows(flows, deepFlows(v));
    } else if (ts.isShorthandPropertyAssignment(p)) {
      props.set(p.name.text, lookup(a, f, p.name.text));
    } else if (ts.isSpreadAssignment(p)) {
      const v = evalExpr(a, f, p.expression);
      for (const [k, pv] of v.props ?? []) props.set(k, pv);
      flows = mergeFlows(flows, v.flows);
      event ||= v.event === true;
    } else if (ts.isMethodDeclaration(p) || ts.isAccessor(p)) {
      const key = propertyKey(p.name);
      if (key !== null) props.set(key, { flows: [], fn: fnRef(f, p, key) });
    }
  }
  return event ? { flows, props, event } : { flows, props };
}

export function propertyKey(name: ts.PropertyName): string | null {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name))
    return name.text;
  if (ts.isComputedPropertyName(name) && ts.isStringLiteralLike(name.expression)) return name.expression.text;
  return null;
}

function arrayLiteral(a: Analysis, f: Frame, e: ts.ArrayLiteralExpression): Value {
  let flows: readonly Flow[] = [];
  const consts: string[] = [];
  let allConst = true;
  for (const el of e.elements) {
    const v = evalExpr(a, f, el);
    flows = mergeFlows(flows, deepFlows(v));
    if (ts.isStringLiteralLike(el) || ts.isNumericLiteral(el)) consts.push(el.text);
    else allConst = false;
  }
  return allConst ? { flows, consts } : { flows };
}

/** `x = v`, `a.b = v`, `a[k] = v`, and destructuring assignments. */
export function assign(a: Analysis, f: Frame, target: ts.Expression, v: Value): void {
  const t = skipOuter(target);
  if (ts.isIdentifier(t)) {
    setVar(f, t.text, withStep(v, () => stepAt(f.module, t, `assigned to \`${t.text}\``)));
    return;
  }
  if (ts.isObjectLiteralExpression(t)) {
    for (const p of t.properties) {
      if (ts.isShorthandPropertyAssignment(p)) assign(a, f, p.name, member(a, f, v, p.name.text, p));
      else if (ts.isPropertyAssignment(p)) {
        const key = propertyKey(p.name);
        assign(a, f, p.initializer, key === null ? derived(v) : member(a, f, v, key, p));
      } else if (ts.isSpreadAssignment(p)) assign(a, f, p.expression, derived(v));
    }
    return;
  }
  if (ts.isArrayLiteralExpression(t)) {
    for (const el of t.elements) if (!ts.isOmittedExpression(el)) assign(a, f, ts.isSpreadElement(el) ? el.expression : el, derived(v));
    return;
  }
  if (ts.isPropertyAccessExpression(t)) {
    writeMember(a, f, t.expression, t.name.text, v);
    return;
  }
  if (ts.isElementAccessExpression(t)) {
    const arg = t.argumentExpression;
    if (ts.isStringLiteralLike(arg)) {
      writeMember(a, f, t.expression, arg.text, v);
      return;
    }
    const key = evalExpr(a, f, arg);
    checkKeyedWrite(a, f, t, key);
    const base = evalExpr(a, f, t.expression);
    writeBack(a, f, t.expression, join(base, derived(v)));
  }
}

/**
 * `obj[k1][k2] = v` with request keys, or `target[key] = …` inside a recursive merge, reaches
 * Object.prototype when a key is `__proto__` (CWE-1321).
 */
function checkKeyedWrite(a: Analysis, f: Frame, t: ts.ElementAccessExpression, key: Value): void {
  const rule = "taint/prototype-pollution";
  const keyFlow = unsafeFlow(deepFlows(key), rule);
  if (!keyFlow) return;
  const inner = skipOuter(t.expression);
  if (ts.isElementAccessExpression(inner) && !ts.isStringLiteralLike(inner.argumentExpression)) {
    const outer = unsafeFlow(deepFlows(evalExpr(a, f, inner.argumentExpression)), rule);
    if (outer) {
      report(a, f, rule, t, outer, "a nested write obj[key1][key2] = …");
      return;
    }
  }
  if (f.recursive) report(a, f, rule, t, keyFlow, "a recursive merge writing target[key]");
}

function writeMember(a: Analysis, f: Frame, base: ts.Expression, name: string, v: Value): void {
  const current = evalExpr(a, f, base);
  const props = new Map(current.props ?? []);
  props.set(name, v);
  writeBack(a, f, base, { ...current, props });
}

function writeBack(a: Analysis, f: Frame, target: ts.Expression, v: Value): void {
  const t = skipOuter(target);
  if (ts.isIdentifier(t)) setVar(f, t.text, v);
  else if (t.kind === ts.SyntaxKind.ThisKeyword) setVar(f, "this", v);
  else if (ts.isPropertyAccessExpression(t)) writeMember(a, f, t.expression, t.name.text, v);
  else if (ts.isElementAccessExpression(t) && ts.isStringLiteralLike(t.argumentExpression))
    writeMember(a, f, t.expression, t.argumentExpression.text, v);
}

export function skipOuter(e: ts.Expression): ts.Expression {
  let x = e;
  while (
    ts.isParenthesizedExpression(x) ||
    ts.isAsExpression(x) ||
    ts.isNonNullExpression(x) ||
    ts.isTypeAssertionExpression(x) ||
    ts.isSatisfiesExpression(x)
  )
    x = x.expression;
  return x;
}

// Statements: bindings, branches (each branch sees what its condition proves; branches that
// return or throw do not flow on, which is how `if (!ok) return` guards work), loops (two passes
// reach a fixpoint for loop-carried taint), switch, try, and returns (the handler's response).
import ts from "typescript";
import { type Analysis, type Frame, stepAt } from "./analysis.ts";
import { evalExpr, fnRef, member, propertyKey } from "./expressions.ts";
import { applyFacts, conditionFacts, fact } from "./guards.ts";
import { classValue } from "./classes.ts";
import { checkResponse } from "./sinks.ts";
import { CLEAN, derived, join, type Value, withStep } from "./value.ts";

export type Completion = "normal" | "jump" | "exit";

export function execStatements(a: Analysis, f: Frame, stmts: readonly ts.Statement[]): Completion {
  for (const s of stmts) {
    if (ts.isFunctionDeclaration(s) && s.name) f.scope.vars.set(s.name.text, { flows: [], fn: fnRef(f, s, s.name.text) });
    if (ts.isClassDeclaration(s) && s.name)
      f.scope.vars.set(s.name.text, classValue({ node: s, module: f.module, closure: f.scope, name: s.name.text }));
  }
  for (const s of stmts) {
    const c = execStatement(a, f, s);
    if (c !== "normal") return c;
  }
  return "normal";
}

function execStatement(a: Analysis, f: Frame, s: ts.Statement): Completion {
  switch (s.kind) {
    case ts.SyntaxKind.VariableStatement:
      declare(a, f, (s as ts.VariableStatement).declarationList);
      return "normal";
    case ts.SyntaxKind.ExpressionStatement:
      expressionStatement(a, f, (s as ts.ExpressionStatement).expression);
      return "normal";
    case ts.SyntaxKind.ReturnStatement: {
      const r = s as ts.ReturnStatement;
      const v = r.expression ? evalExpr(a, f, r.expression) : CLEAN;
      f.returns.push(v);
      if (f.isHandler) checkResponse(a, f, v, r);
      return "exit";
    }
    case ts.SyntaxKind.ThrowStatement:
      evalExpr(a, f, (s as ts.ThrowStatement).expression);
      return "exit";
    case ts.SyntaxKind.BreakStatement:
    case ts.SyntaxKind.ContinueStatement:
      return "jump";
    case ts.SyntaxKind.Block:
      return execStatements(a, f, (s as ts.Block).statements);
    case ts.SyntaxKind.IfStatement:
      return ifStatement(a, f, s as ts.IfStatement);
    case ts.SyntaxKind.ForOfStatement:
    case ts.SyntaxKind.ForInStatement:
      return forEach(a, f, s as ts.ForOfStatement | ts.ForInStatement);
    case ts.SyntaxKind.ForStatement:
    case ts.SyntaxKind.WhileStatement:
    case ts.SyntaxKind.DoStatement:
      return loop(a, f, s as ts.ForStatement | ts.WhileStatement | ts.DoStatement);
    case ts.SyntaxKind.SwitchStatement:
      return switchStatement(a, f, s as ts.SwitchStatement);
    case ts.SyntaxKind.TryStatement:
      return tryStatement(a, f, s as ts.TryStatement);
    case ts.SyntaxKind.LabeledStatement:
      return execStatement(a, f, (s as ts.LabeledStatement).statement);
    default:
      return "normal";
  }
}

function declare(a: Analysis, f: Frame, list: ts.VariableDeclarationList): void {
  for (const d of list.declarations) {
    const v = d.initializer ? evalExpr(a, f, d.initializer) : CLEAN;
    bindName(a, f, d.name, v, (name) => `assigned to \`${name}\``);
  }
}

/** Binds a name or a destructuring pattern; each bound name is a step on the path. */
export function bindName(a: Analysis, f: Frame, name: ts.BindingName, v: Value, note: (n: string) => string): void {
  if (ts.isIdentifier(name)) {
    const named = v.fn && v.fn.name === "<anonymous>" ? { ...v, fn: { ...v.fn, name: name.text } } : v;
    f.scope.vars.set(name.text, withStep(named, () => stepAt(f.module, name, note(name.text))));
    return;
  }
  if (ts.isObjectBindingPattern(name)) {
    for (const el of name.elements) {
      let key: string | null = null;
      if (el.propertyName) key = propertyKey(el.propertyName);
      else if (ts.isIdentifier(el.name)) key = el.name.text;
      let part = el.dotDotDotToken ? derived(v) : key === null ? derived(v) : member(a, f, v, key, el);
      if (el.initializer) part = join(part, evalExpr(a, f, el.initializer));
      bindName(a, f, el.name, part, note);
    }
    return;
  }
  for (const el of name.elements) {
    if (!ts.isBindingElement(el)) continue;
    let part = derived(v);
    if (el.initializer) part = join(part, evalExpr(a, f, el.initializer));
    bindName(a, f, el.name, part, note);
  }
}

function expressionStatement(a: Analysis, f: Frame, e: ts.Expression): void {
  evalExpr(a, f, e);
  // assert(cond) / assert.ok(cond): what follows runs only if cond held.
  if (ts.isCallExpression(e) && e.arguments[0]) {
    const callee = evalExpr(a, f, e.expression);
    if (callee.api === "assert" || callee.api === "assert.ok" || callee.api === "assert.strict")
      applyFacts(a, f, conditionFacts(a, f, e.arguments[0], true));
  }
}

function joinEnv(x: Map<string, Value>, y: Map<string, Value>): Map<string, Value> {
  if (x === y) return x;
  const out = new Map(x);
  for (const [k, v] of y) {
    const old = out.get(k);
    out.set(k, old ? join(old, v) : v);
  }
  return out;
}

function branch(f: Frame, start: Map<string, Value>, run: () => Completion): [Completion, Map<string, Value>] {
  f.scope.vars = new Map(start);
  const c = run();
  return [c, f.scope.vars];
}

function ifStatement(a: Analysis, f: Frame, s: ts.IfStatement): Completion {
  evalExpr(a, f, s.expression);
  const start = f.scope.vars;
  const [c1, env1] = branch(f, start, () => {
    applyFacts(a, f, conditionFacts(a, f, s.expression, true));
    return execStatement(a, f, s.thenStatement);
  });
  const [c2, env2] = branch(f, start, () => {
    applyFacts(a, f, conditionFacts(a, f, s.expression, false));
    return s.elseStatement ? execStatement(a, f, s.elseStatement) : "normal";
  });
  if (c1 === "normal" && c2 === "normal") f.scope.vars = joinEnv(env1, env2);
  else if (c1 === "normal") f.scope.vars = env1;
  else if (c2 === "normal") f.scope.vars = env2;
  else {
    f.scope.vars = joinEnv(env1, env2);
    return c1 === "exit" && c2 === "exit" ? "exit" : "jump";
  }
  return "normal";
}

function forEach(a: Analysis, f: Frame, s: ts.ForOfStatement | ts.ForInStatement): Completion {
  const iterable = evalExpr(a, f, s.expression);
  // for…in yields keys (strings an attacker chooses when the object is parsed request JSON).
  const element = ts.isForInStatement(s)
    ? derived(iterable, false)
    : iterable.stringMap
      ? derived(iterable, false)
      : derived(iterable);
  for (let pass = 0; pass < 2; pass++) {
    const before = f.scope.vars;
    f.scope.vars = new Map(before);
    const init = s.initializer;
    if (ts.isVariableDeclarationList(init)) {
      for (const d of init.declarations) bindName(a, f, d.name, element, (n) => `iterated into \`${n}\``);
    } else {
      const t = init;
      if (ts.isIdentifier(t)) f.scope.vars.set(t.text, element);
    }
    execStatement(a, f, s.statement);
    f.scope.vars = joinEnv(before, f.scope.vars);
  }
  return "normal";
}

function loop(a: Analysis, f: Frame, s: ts.ForStatement | ts.WhileStatement | ts.DoStatement): Completion {
  if (ts.isForStatement(s) && s.initializer) {
    if (ts.isVariableDeclarationList(s.initializer)) declare(a, f, s.initializer);
    else evalExpr(a, f, s.initializer);
  }
  for (let pass = 0; pass < 2; pass++) {
    const before = f.scope.vars;
    f.scope.vars = new Map(before);
    const cond = ts.isForStatement(s) ? s.condition : s.expression;
    if (cond) evalExpr(a, f, cond);
    execStatement(a, f, s.statement);
    if (ts.isForStatement(s) && s.incrementor) evalExpr(a, f, s.incrementor);
    f.scope.vars = joinEnv(before, f.scope.vars);
  }
  return "normal";
}

function switchStatement(a: Analysis, f: Frame, s: ts.SwitchStatement): Completion {
  evalExpr(a, f, s.expression);
  const start = f.scope.vars;
  const ends: Map<string, Value>[] = [];
  let fall: Map<string, Value> | null = null;
  let hasDefault = false;
  for (const clause of s.caseBlock.clauses) {
    const entry: Map<string, Value> = fall ? joinEnv(start, fall) : start;
    const [c, env] = branch(f, entry, () => {
      if (ts.isCaseClause(clause)) {
        evalExpr(a, f, clause.expression);
        // `case "a":` — inside, the discriminant equals a constant.
        if (ts.isStringLiteralLike(clause.expression) || ts.isNumericLiteral(clause.expression))
          applyFacts(a, f, fact(s.expression, "clean"));
      } else hasDefault = true;
      return execStatements(a, f, clause.statements);
    });
    fall = c === "normal" ? env : null;
    if (c === "jump") ends.push(env);
  }
  if (fall) ends.push(fall);
  if (!hasDefault) ends.push(start);
  f.scope.vars = ends.length > 0 ? ends.reduce(joinEnv) : start;
  return ends.length > 0 ? "normal" : "exit";
}

function tryStatement(a: Analysis, f: Frame, s: ts.TryStatement): Completion {
  const start = f.scope.vars;
  const [c1, afterTry] = branch(f, start, () => execStatements(a, f, s.tryBlock.statements));
  let c = c1;
  let end = afterTry;
  if (s.catchClause) {
    const clause = s.catchClause;
    const [c2, afterCatch] = branch(f, joinEnv(start, afterTry), () => {
      if (clause.variableDeclaration) bindName(a, f, clause.variableDeclaration.name, CLEAN, (n) => n);
      return execStatements(a, f, clause.block.statements);
    });
    if (c1 === "normal" && c2 === "normal") end = joinEnv(afterTry, afterCatch);
    else if (c2 === "normal") end = afterCatch;
    c = c1 === "normal" || c2 === "normal" ? "normal" : c1;
  }
  f.scope.vars = end;
  if (s.finallyBlock) {
    const cf = execStatements(a, f, s.finallyBlock.statements);
    if (cf !== "normal") return cf;
  }
  return c;
}

// Classes: `new Repo(pool)` runs the constructor with `this` bound, and the instance's members are
// its methods, so `repo.find(id)` enters Repo.prototype.find with `this` = the instance.
import ts from "typescript";
import { type Analysis, type Frame, MAX_CALL_DEPTH } from "./analysis.ts";
import { bindParameters, runBody } from "./calls.ts";
import { evalExpr, propertyKey } from "./expressions.ts";
import { moduleFrame } from "./scope.ts";
import { CLEAN, type ClassRef, type Value } from "./value.ts";

function isStatic(m: ts.ClassElement): boolean {
  return (ts.getModifiers(m as ts.HasModifiers) ?? []).some((x) => x.kind === ts.SyntaxKind.StaticKeyword);
}

function methods(ref: ClassRef, wantStatic: boolean): Map<string, Value> {
  const out = new Map<string, Value>();
  for (const m of ref.node.members) {
    if (isStatic(m) !== wantStatic || !m.name) continue;
    const key = propertyKey(m.name);
    if (key === null) continue;
    if (ts.isMethodDeclaration(m) || ts.isGetAccessorDeclaration(m))
      out.set(key, { flows: [], fn: { node: m, module: ref.module, closure: ref.closure, name: key } });
    else if (ts.isPropertyDeclaration(m) && m.initializer && (ts.isArrowFunction(m.initializer) || ts.isFunctionExpression(m.initializer)))
      out.set(key, { flows: [], fn: { node: m.initializer, module: ref.module, closure: ref.closure, name: key } });
  }
  return out;
}

/** The class itself: its static methods are its members. */
export function classValue(ref: ClassRef): Value {
  return { flows: [], cls: ref, props: methods(ref, true) };
}

/** `new C(args)`: the instance after the constructor ran (methods of C and of the class it extends). */
export function construct(a: Analysis, f: Frame, ref: ClassRef, args: readonly Value[]): Value {
  const props = new Map<string, Value>();
  const heritage = ref.node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
  if (heritage && f.depth < MAX_CALL_DEPTH) {
    const base = evalExpr(a, ref.closure ? f : moduleFrame(ref.module), heritage.expression);
    if (base.cls) for (const [k, v] of methods(base.cls, false)) props.set(k, v);
  }
  for (const [k, v] of methods(ref, false)) props.set(k, v);
  const instance: Value = { flows: [], props };
  const ctor = ref.node.members.find(ts.isConstructorDeclaration);
  if (!ctor?.body || f.depth >= MAX_CALL_DEPTH || a.stack.has(ctor)) return instance;
  const fn = { node: ctor, module: ref.module, closure: ref.closure, name: ref.name };
  const frame: Frame = {
    fn,
    scope: { vars: new Map([["this", instance]]), parent: ref.closure, module: ref.module },
    module: ref.module,
    depth: f.depth + 1,
    returns: [],
    isHandler: false,
    recursive: false,
  };
  bindParameters(a, frame, fn, args, (n) => `passed to new ${ref.name}() as \`${n}\``);
  // `constructor(private db: Pool)`: parameter properties become members.
  ctor.parameters.forEach((p, i) => {
    if (ts.isIdentifier(p.name) && (ts.getModifiers(p) ?? []).length > 0) {
      const self = frame.scope.vars.get("this") ?? instance;
      frame.scope.vars.set("this", { ...self, props: new Map(self.props ?? []).set(p.name.text, args[i] ?? CLEAN) });
    }
  });
  a.stack.add(ctor);
  try {
    runBody(a, frame);
  } finally {
    a.stack.delete(ctor);
  }
  return frame.scope.vars.get("this") ?? instance;
}

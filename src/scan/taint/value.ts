// The abstract values the taint interpreter computes. A value is clean unless it carries flows;
// each flow remembers how request data got here (the path) and which sinks it was made safe for.
import type ts from "typescript";
import type { PathStep } from "../types.ts";
import type { TaintRuleId } from "./rules.ts";
import type { ModuleInfo } from "./modules.ts";

export interface Flow {
  readonly steps: readonly PathStep[];
  /** May be an object or array (parsed JSON), not only a string: matters for NoSQL and merges. */
  readonly structured: boolean;
  readonly safe: ReadonlySet<TaintRuleId>;
}

export interface Scope {
  vars: Map<string, Value>;
  readonly parent: Scope | null;
  readonly module: ModuleInfo;
}

/** A function the interpreter can enter, with the scope it closes over. */
export interface FnRef {
  readonly node: ts.SignatureDeclaration;
  readonly module: ModuleInfo;
  readonly closure: Scope | null;
  readonly name: string;
}

/** A class the interpreter can instantiate: its methods become the instance's members. */
export interface ClassRef {
  readonly node: ts.ClassLikeDeclaration;
  readonly module: ModuleInfo;
  readonly closure: Scope | null;
  readonly name: string;
}

export interface Value {
  readonly flows: readonly Flow[];
  /** Known members: object literals, response objects. */
  readonly props?: ReadonlyMap<string, Value>;
  /** Constant text of a string, with HOLE where request data sits and GAP for unknown clean text. */
  readonly text?: string;
  /** Known constant elements of an array or Set literal. */
  readonly consts?: readonly string[];
  /** A library value by its normalized name: `fs.readFile`, `child_process`, `lodash.merge`. */
  readonly api?: string;
  readonly fn?: FnRef;
  readonly cls?: ClassRef;
  /** A relative module (namespace import or require): members are its exports. */
  readonly module?: ModuleInfo;
  /** The handler's event object itself. */
  readonly event?: boolean;
  /** Produced by path.resolve/join/normalize: a startsWith check on it is a real containment check. */
  readonly normalized?: boolean;
  /** A map of request strings (query, headers): attacker-chosen keys, string members. */
  readonly stringMap?: boolean;
  /** A JSON Schema validator (ajv compile/getSchema): a truthy call validates its argument. */
  readonly validator?: boolean;
}

export const HOLE = "\u0001";
export const GAP = "\u0002";
export const CLEAN: Value = { flows: [] };
const MAX_FLOWS = 4;
const MAX_STEPS = 24;
const MAX_TEXT = 400;
const NO_SAFE: ReadonlySet<TaintRuleId> = new Set();

export function sourceFlow(step: PathStep, structured: boolean): Flow {
  return { steps: [step], structured, safe: NO_SAFE };
}

function flowKey(f: Flow): string {
  const s = f.steps[0];
  return `${s?.file}:${s?.line}:${s?.column}:${f.structured}:${[...f.safe].sort().join(",")}`;
}

export function mergeFlows(a: readonly Flow[], b: readonly Flow[]): readonly Flow[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const seen = new Set(a.map(flowKey));
  const out = [...a];
  for (const f of b) {
    if (out.length >= MAX_FLOWS) break;
    const k = flowKey(f);
    if (!seen.has(k)) {
      seen.add(k);
      out.push(f);
    }
  }
  return out;
}

/** Every flow in a value and its known members, a few levels deep. */
export function deepFlows(v: Value, depth = 3): readonly Flow[] {
  let flows = v.flows;
  if (v.props && depth > 0) for (const p of v.props.values()) flows = mergeFlows(flows, deepFlows(p, depth - 1));
  return flows;
}

/** Join at a control-flow merge or an `a || b`: either value may arrive. */
export function join(a: Value, b: Value): Value {
  if (a === b || b === CLEAN) return a;
  if (a === CLEAN) return b;
  const flows = mergeFlows(a.flows, b.flows);
  const out: { -readonly [K in keyof Value]: Value[K] } = { flows };
  if (a.props || b.props) {
    const props = new Map(a.props ?? []);
    for (const [k, v] of b.props ?? []) props.set(k, props.has(k) ? join(props.get(k)!, v) : v);
    out.props = props;
  }
  if (a.text !== undefined && a.text === b.text) out.text = a.text;
  const api = a.api ?? b.api;
  if (api !== undefined) out.api = api;
  const fn = a.fn ?? b.fn;
  if (fn !== undefined) out.fn = fn;
  const cls = a.cls ?? b.cls;
  if (cls !== undefined) out.cls = cls;
  const mod = a.module ?? b.module;
  if (mod !== undefined) out.module = mod;
  if (a.event || b.event) out.event = true;
  if (a.normalized && b.normalized) out.normalized = true;
  if (a.validator || b.validator) out.validator = true;
  if (a.consts && b.consts) out.consts = [...a.consts, ...b.consts];
  return out;
}

export function joinAll(values: readonly Value[]): Value {
  return values.reduce(join, CLEAN);
}

/** A value derived from another (a member, an element, a method result): taint without shape. */
export function derived(v: Value, structured?: boolean): Value {
  const flows = deepFlows(v);
  if (flows.length === 0) return CLEAN;
  if (structured === undefined) return { flows };
  return { flows: flows.map((f) => (f.structured === structured ? f : { ...f, structured })) };
}

/** A string built from parts: flows of every part, never structured, with the constant text kept. */
export function stringOf(parts: readonly Value[], literal: readonly (string | null)[]): Value {
  let flows: readonly Flow[] = [];
  let text = "";
  parts.forEach((p, i) => {
    const lit = literal[i];
    if (lit !== null && lit !== undefined) {
      text += lit;
      return;
    }
    const pf = deepFlows(p);
    flows = mergeFlows(flows, pf.map((f) => (f.structured ? { ...f, structured: false } : f)));
    text += p.text ?? (pf.length > 0 ? HOLE : GAP);
  });
  const v: { flows: readonly Flow[]; text: string } = { flows, text: text.slice(0, MAX_TEXT) };
  return v;
}

export function constText(text: string): Value {
  return { flows: [], text: text.slice(0, MAX_TEXT) };
}

/** Mark every flow safe for the given rules (a sanitizer or a guard ran). */
export function cleanedFor(v: Value, rules: readonly TaintRuleId[] | "all"): Value {
  if (rules === "all") return v.flows.length === 0 && !v.props ? v : { ...stripTaint(v) };
  const mapFlows = (fs: readonly Flow[]) =>
    fs.map((f) => ({ ...f, safe: new Set([...f.safe, ...rules]) }) as Flow);
  return mapValue(v, mapFlows);
}

/** A guard proved the value is a string (typeof x === "string"): no operator objects inside. */
export function asString(v: Value): Value {
  return mapValue(v, (fs) => fs.map((f) => (f.structured ? { ...f, structured: false } : f)));
}

function stripTaint(v: Value): Value {
  return mapValue(v, () => []);
}

function mapValue(v: Value, fn: (fs: readonly Flow[]) => readonly Flow[], depth = 3): Value {
  const props = v.props && depth > 0 ? new Map([...v.props].map(([k, p]) => [k, mapValue(p, fn, depth - 1)])) : v.props;
  const out = { ...v, flows: v.flows.length > 0 ? fn(v.flows) : v.flows };
  if (props) out.props = props;
  // A cleaned event object stays the event: its members are still read as sources.
  return out;
}

/**
 * Append a path step to every flow in the value (a binding, a call, a return). The step is a
 * function so that clean values, the vast majority, never pay for computing a position.
 */
export function withStep(v: Value, step: () => PathStep): Value {
  if (deepFlows(v).length === 0) return v;
  const at = step();
  return mapValue(v, (fs) =>
    fs.map((f) => {
      const steps = f.steps.length >= MAX_STEPS ? [f.steps[0]!, ...f.steps.slice(2)] : f.steps;
      return { ...f, steps: [...steps, at] };
    }),
  );
}

/** A compact description for cache keys: equal signatures behave the same inside a callee. */
export function signature(v: Value, depth = 2): string {
  const parts: string[] = [];
  for (const f of v.flows) parts.push(flowKey(f));
  if (v.text !== undefined) parts.push(`t:${v.text.length > 60 ? v.text.slice(0, 60) : v.text}`);
  if (v.api) parts.push(`a:${v.api}`);
  if (v.fn) parts.push(`f:${v.fn.module.file}:${v.fn.node.pos}`);
  if (v.cls) parts.push(`c:${v.cls.module.file}:${v.cls.node.pos}`);
  if (v.module) parts.push(`m:${v.module.file}`);
  if (v.event) parts.push("e");
  if (v.normalized) parts.push("n");
  if (v.stringMap) parts.push("sm");
  if (v.validator) parts.push("v");
  if (v.props && depth > 0) for (const [k, p] of v.props) parts.push(`${k}{${signature(p, depth - 1)}}`);
  return parts.join("|");
}

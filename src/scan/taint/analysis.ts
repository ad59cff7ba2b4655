// The state of one taint analysis: the module graph, the findings so far, the call cache, and
// the frame of the function being interpreted.
import type ts from "typescript";
import type { PathStep } from "../types.ts";
import type { ModuleGraph, ModuleInfo } from "./modules.ts";
import { TAINT_RULES, type TaintRuleId } from "./rules.ts";
import type { Flow, FnRef, Scope, Value } from "./value.ts";

export interface TaintFinding {
  ruleId: TaintRuleId;
  file: string;
  line: number;
  column: number;
  message: string;
  path: PathStep[];
}

export interface Analysis {
  readonly graph: ModuleGraph;
  readonly findings: Map<string, TaintFinding>;
  /** Return values of functions already analyzed for a given argument signature. */
  readonly cache: Map<string, Value>;
  /** Functions on the interpreter's stack: a recursive call is not entered again. */
  readonly stack: Set<ts.Node>;
  /** The platform validated the event body against the function's `input:` schema. */
  readonly bodyValidated: boolean;
  /** Callee analyses left: keeps a pathological project linear. */
  budget: number;
  /** Modules whose functions ran: the handler's code, for checks that read it as text. */
  readonly visited: Set<ModuleInfo>;
}

export interface Frame {
  readonly fn: FnRef | null;
  readonly scope: Scope;
  readonly module: ModuleInfo;
  readonly depth: number;
  readonly returns: Value[];
  /** The handler itself: what it returns is the HTTP response. */
  readonly isHandler: boolean;
  /** Inside a function that calls itself: `target[key] = …` with a request key is a deep merge. */
  readonly recursive: boolean;
}

export const MAX_CALL_DEPTH = 6;

export function stepAt(m: ModuleInfo, node: ts.Node, note: string): PathStep {
  const { line, character } = m.sf.getLineAndCharacterOfPosition(node.getStart(m.sf));
  return { file: m.rel, line: line + 1, column: character + 1, note };
}

/** Short source text of a node for messages, one line, bounded. */
export function snippet(m: ModuleInfo, node: ts.Node, max = 60): string {
  const text = node.getText(m.sf).replace(/\s+/g, " ");
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export function report(
  a: Analysis,
  frame: Frame,
  ruleId: TaintRuleId,
  node: ts.Node,
  flow: Flow,
  sinkNote: string,
): void {
  const sink = stepAt(frame.module, node, sinkNote);
  const key = `${ruleId}:${sink.file}:${sink.line}:${sink.column}`;
  if (a.findings.has(key)) return;
  const source = flow.steps[0];
  const from = source ? `${source.note.replace(/^source: /, "")} (${source.file}:${source.line})` : "request data";
  a.findings.set(key, {
    ruleId,
    file: sink.file,
    line: sink.line,
    column: sink.column,
    message: `${TAINT_RULES[ruleId].title}: ${from} reaches ${sinkNote}`,
    path: [...flow.steps, sink],
  });
}

/** The first flow in `flows` that was not made safe for `rule`, optionally only structured ones. */
export function unsafeFlow(flows: readonly Flow[], rule: TaintRuleId, structuredOnly = false): Flow | undefined {
  return flows.find((f) => !f.safe.has(rule) && (!structuredOnly || f.structured));
}

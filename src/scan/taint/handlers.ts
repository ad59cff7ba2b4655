// Runs the taint analysis over a project's handlers and turns its results into findings.
import { relative, sep } from "node:path";
import type { Finding } from "../types.ts";
import { analyzeHandler, type HandlerTarget } from "./analyze.ts";
import { ModuleGraph } from "./modules.ts";
import { TAINT_RULES } from "./rules.ts";

export interface HandlerScan {
  findings: Finding[];
  /** Handlers that could not be analyzed (`index` into the targets), with why. */
  unresolved: Array<{ index: number; target: HandlerTarget; reason: string }>;
  /** Distinct modules parsed while following the handlers' imports. */
  modules: number;
  /** Per target (same order): the text of the modules its analysis ran through. */
  sources: string[];
}

export function scanHandlers(root: string, targets: readonly HandlerTarget[]): HandlerScan {
  const graph = new ModuleGraph(root);
  const seen = new Map<string, Finding>();
  const unresolved: HandlerScan["unresolved"] = [];
  const sources: string[] = [];
  for (const [index, target] of targets.entries()) {
    const result = analyzeHandler(graph, target);
    if (!result.found) {
      unresolved.push({ index, target, reason: result.reason });
      sources.push("");
      continue;
    }
    sources.push(result.sources.join("\n"));
    for (const t of result.findings) {
      const rule = TAINT_RULES[t.ruleId];
      const key = `${t.ruleId}:${t.file}:${t.line}:${t.column}`;
      if (seen.has(key)) continue;
      seen.set(key, {
        ruleId: t.ruleId,
        severity: rule.severity,
        cwe: rule.cwe,
        message: t.message,
        file: t.file,
        line: t.line,
        column: t.column,
        path: t.path,
        fix: rule.fix,
      });
    }
  }
  return { findings: [...seen.values()], unresolved, modules: graph.size, sources };
}

/** One file's `handler` export (or its default export), for tools and the fixture evaluation. */
export function analyzeFile(root: string, file: string, exportName?: string): Finding[] {
  const names = exportName ? [exportName] : ["handler", "default"];
  for (const name of names) {
    const scan = scanHandlers(root, [{ file, exportName: name }]);
    if (scan.unresolved.length === 0) return scan.findings;
  }
  throw new Error(`${relative(root, file).split(sep).join("/")}: no handler export found`);
}

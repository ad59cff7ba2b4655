// One rule per sink class. Each rule's id doubles as the sanitizer category a value can be
// cleaned for: a value passed through `path.basename` is safe for `taint/path-traversal` only.
import type { Severity } from "../types.ts";

export const TAINT_RULES = {
  "taint/code-injection": {
    severity: "critical",
    cwe: "CWE-94",
    title: "Request data evaluated as code",
    fix: "Never evaluate request data: map the input to a fixed set of functions instead of eval/Function/vm.",
  },
  "taint/command-injection": {
    severity: "critical",
    cwe: "CWE-78",
    title: "Request data in an OS command",
    fix: "Use execFile/spawn with a constant program, an argument array and no shell; allowlist the arguments.",
  },
  "taint/path-traversal": {
    severity: "high",
    cwe: "CWE-22",
    title: "Request data in a file path",
    fix: "Take path.basename of the input, resolve it under a fixed directory and check the result startsWith that directory.",
  },
  "taint/sql-injection": {
    severity: "critical",
    cwe: "CWE-89",
    title: "SQL built from request data",
    fix: "Use a parameterized query: a constant SQL text with placeholders and the values passed separately.",
  },
  "taint/nosql-injection": {
    severity: "high",
    cwe: "CWE-943",
    title: "Request object used as a NoSQL filter",
    fix: "Coerce filter values to strings (String(x)) or wrap them in { $eq: x }, or validate the body against a schema.",
  },
  "taint/ssrf": {
    severity: "high",
    cwe: "CWE-918",
    title: "Outbound request to a URL taken from the request",
    fix: "Fix the origin in code and put only encoded path segments from input after it, or allowlist the host.",
  },
  "taint/xss": {
    severity: "medium",
    cwe: "CWE-79",
    title: "Request data in an HTML response",
    fix: "HTML-escape every input value put into markup (escape-html), or return JSON instead of HTML.",
  },
  "taint/redos": {
    severity: "medium",
    cwe: "CWE-1333",
    title: "Regular expression built from request data",
    fix: "Escape the input before building a RegExp (replace /[.*+?^${}()|[\\]\\\\]/g with \"\\\\$&\"), or match literally with includes().",
  },
  "taint/unsafe-deserialization": {
    severity: "critical",
    cwe: "CWE-502",
    title: "Request data deserialized by a code-executing deserializer",
    fix: "Parse input with JSON.parse (or a YAML core/safe schema); never node-serialize, eval or full-schema YAML.",
  },
  "taint/prototype-pollution": {
    severity: "high",
    cwe: "CWE-1321",
    title: "Request object deep-merged or used as nested keys",
    fix: "Reject __proto__/constructor/prototype keys, merge into Object.create(null) or validate the body against a schema with additionalProperties: false.",
  },
} as const satisfies Record<string, { severity: Severity; cwe: string; title: string; fix: string }>;

export type TaintRuleId = keyof typeof TAINT_RULES;

export const TAINT_RULE_IDS = Object.keys(TAINT_RULES) as TaintRuleId[];

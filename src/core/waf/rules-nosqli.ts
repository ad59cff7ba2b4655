// NoSQL operator injection (CWE-943). A MongoDB-style query built from request data turns a member
// whose key is an operator into logic: {"password": {"$ne": null}} matches every password, and
// qs-style parsers build the same object from password[$ne]=x in a query string or form. The
// operators are looked for where they act, as a key: in JSON or JS object text ("$ne": …), in
// brackets (user[$ne]), or as a whole value (a JSON body's key is inspected on its own). Prose and
// other "$" names pass: "$5 or less", OData's $filter, JSON Schema's $ref, Extended JSON's $oid, and
// a GraphQL variable declared "($where: Filter)", whose type name is no query value.
// A route whose API takes this syntax on purpose (Feathers: age[$lt]=30) runs with `waf: detect`.
import { regexRule } from "./rule.ts";
import type { WafRule } from "./types.ts";

/** Operators whose argument is JavaScript the database runs: code execution, not only logic. */
const JS_OPERATORS = ["where", "function", "accumulator"];
const QUERY_OPERATORS = ["ne", "gt", "gte", "lt", "lte", "in", "nin", "regex", "exists", "expr", "or", "and", "not", "nor", "elemmatch"];

/**
 * An operator in the place of a key: alone, in brackets, or before ":" and a value that a query
 * takes (a literal, an object or array, a regex, a function).
 */
function operatorAsKey(operators: readonly string[]): RegExp {
  const op = String.raw`\$(?:${operators.join("|")})\b`;
  const value = String.raw`(?:["'{\[\d/-]|(?:null|true|false|function|new|this)\b)`;
  return new RegExp(String.raw`^${op}$|\[\s*["']?${op}["']?\s*\]|(?:^|[{,\s"'])${op}["']?\s*:\s*${value}`);
}

const literals = (operators: readonly string[]) => operators.map((op) => `$${op}`);

export const NOSQLI_RULES: readonly WafRule[] = [
  regexRule(
    { id: "nosqli-001", class: "nosqli", description: "server-side JavaScript operator as a key: $where, $function, $accumulator", cwe: "CWE-95" },
    "text",
    literals(JS_OPERATORS),
    operatorAsKey(JS_OPERATORS),
  ),
  regexRule(
    { id: "nosqli-002", class: "nosqli", description: "query operator as a key: {\"$ne\": null}, password[$regex]=.*", cwe: "CWE-943" },
    "text",
    literals(QUERY_OPERATORS),
    operatorAsKey(QUERY_OPERATORS),
  ),
];

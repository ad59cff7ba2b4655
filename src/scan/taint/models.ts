// What library calls return: sanitizers (by library and by the names hand-written ones go by),
// parsers, path helpers, validators. `undefined` means "not modeled here".
import ts from "typescript";
import { type Analysis, type Frame, stepAt } from "./analysis.ts";
import type { CallSite } from "./calls.ts";
import { skipOuter } from "./expressions.ts";
import { fixedOrigin } from "./guards.ts";
import type { TaintRuleId } from "./rules.ts";
import { requireValue } from "./scope.ts";
import { asString, CLEAN, cleanedFor, deepFlows, derived, GAP, HOLE, join, joinAll, type Value, withStep } from "./value.ts";

type Sanitizer = { names: RegExp; apis: RegExp; rules: readonly TaintRuleId[]; keepShape?: boolean };

const SANITIZERS: readonly Sanitizer[] = [
  {
    names: /^(escapeHtml|escapeHTML|htmlEscape|encodeHtml|encodeHTML|sanitizeHtml|sanitizeHTML|escapeXml|filterXSS)$/,
    apis: /^(escape-html|he\.(encode|escape)|lodash\.escape|validator\.escape|xss(\.filterXSS)?|sanitize-html|(isomorphic-)?dompurify\.sanitize|html-escaper\.escape|entities\.(encodeHTML|escape|encode)|escape-goat\.htmlEscape)$/,
    rules: ["taint/xss"],
  },
  {
    names: /^(escapeRegExp|escapeRegex|escapeRegexp|escapeStringRegexp|regexEscape|escapeForRegExp|quotemeta|escapeRe)$/i,
    apis: /^(lodash\.escaperegexp|escape-string-regexp|RegExp\.escape)$/i,
    rules: ["taint/redos"],
  },
  {
    names: /^(sanitizeFilename|sanitizeFileName|safeFilename|safeFileName)$/,
    apis: /^(sanitize-filename|path\.basename|path\.(posix|win32)\.basename)$/,
    rules: ["taint/path-traversal"],
  },
  {
    names: /^(escapeLiteral|escapeIdentifier|escapeId)$/,
    apis: /^(sqlstring|mysql2?|pg-format)(\.(escape|escapeId|literal|ident))?$/,
    rules: ["taint/sql-injection"],
  },
  {
    names: /^(shellEscape|shellQuote|escapeShellArg|quoteShellArg)$/,
    apis: /^(shell-quote\.quote|shell-escape|shescape\.(quote|escape))$/,
    rules: ["taint/command-injection"],
  },
  {
    names: /^(mongoSanitize|sanitizeFilter)$/,
    apis: /^(mongo-sanitize|mongoose\.sanitizeFilter)$/,
    rules: ["taint/nosql-injection"],
    keepShape: true,
  },
];

const NUMERIC =
  /^(Number|parseInt|parseFloat|Boolean|isNaN|isFinite|BigInt|Math\.\w+|Number\.\w+|Date\.(parse|now|UTC)|Array\.isArray)$/;
const PATH_JOIN = /^path\.((posix|win32)\.)?(join|resolve|normalize)$/;
const PATH_OTHER = /^path\.((posix|win32)\.)?(dirname|extname|relative|parse|format)$/;
/** `s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")`: the escapeRegExp idiom written inline. */
const REGEX_META = /[.*+?^${}()|[\]\\]/g;

export function modelCall(a: Analysis, f: Frame, s: CallSite): Value | undefined {
  const api = s.callee.api;
  const [arg0 = CLEAN, arg1] = s.args;
  const sanitizer = SANITIZERS.find((z) => (api !== undefined && z.apis.test(api)) || (s.name !== undefined && z.names.test(s.name)));
  if (sanitizer) {
    // A method called `escape` on an unknown object: trust it for the contexts escapes target.
    const v = sanitizer.keepShape ? derived(arg0) : derived(arg0, false);
    return cleanedFor(v, sanitizer.rules);
  }
  if (s.method === "escape" && !s.callee.fn) return cleanedFor(derived(arg0, false), ["taint/sql-injection", "taint/xss"]);
  if (s.method === "replace" && s.receiver && isRegexEscape(s)) return cleanedFor(derived(s.receiver, false), ["taint/redos"]);
  if (api === undefined) return schemaModel(s, arg0);
  if (NUMERIC.test(api)) return CLEAN;
  switch (api) {
    case "require": {
      const spec = s.argNodes[0];
      return spec && ts.isStringLiteralLike(spec) ? requireValue(a, f.module, spec.text) : CLEAN;
    }
    case "JSON.parse":
      return withStep(derived(arg0, true), () => stepAt(f.module, s.node, "JSON.parse"));
    case "JSON.stringify":
    case "String":
    case "Buffer.from":
      return asString(derived(arg0));
    case "encodeURIComponent":
    case "encodeURI":
    case "escape":
      return cleanedFor(derived(arg0, false), ["taint/xss", "taint/path-traversal"]);
    case "Object.keys":
      return derived(arg0, false);
    case "Promise.resolve":
    case "util.promisify":
    case "Object.freeze":
    case "structuredClone":
      return arg0;
    case "Set":
      return arg0.consts ? { flows: arg0.flows, consts: arg0.consts } : derived(arg0);
    // Plain containers: their methods are modeled as methods of ordinary values.
    case "Map":
    case "WeakMap":
    case "Array":
      return derived(joinAll(s.args));
    case "URL":
      return url(arg0, arg1);
    case "URLSearchParams":
      return { ...derived(arg0, true), stringMap: true };
  }
  if (PATH_JOIN.test(api)) return { ...derived(joinAll(s.args), false), normalized: true };
  if (PATH_OTHER.test(api)) return derived(joinAll(s.args), false);
  return schemaModel(s, arg0);
}

/** ajv validators and zod schemas: a compiled validator guards; a zod parse returns valid data. */
function schemaModel(s: CallSite, arg0: Value): Value | undefined {
  const owner = s.receiver?.api ?? "";
  if (owner.startsWith("ajv") && (s.method === "compile" || s.method === "getSchema")) return { flows: [], validator: true };
  if (owner.startsWith("zod") && (s.method === "parse" || s.method === "parseAsync")) return cleanedFor(arg0, "all");
  if (owner.startsWith("zod") && (s.method === "safeParse" || s.method === "safeParseAsync"))
    return { flows: [], props: new Map([["data", cleanedFor(arg0, "all")]]) };
  return undefined;
}

function isRegexEscape(s: CallSite): boolean {
  const [pattern, replacement] = s.argNodes;
  if (!pattern || !replacement) return false;
  const p = skipOuter(pattern);
  const r = skipOuter(replacement);
  if (!ts.isRegularExpressionLiteral(p) || !ts.isStringLiteralLike(r)) return false;
  const metas = new Set(p.text.match(REGEX_META) ?? []);
  return metas.size >= 8 && r.text.includes("$&");
}

/**
 * new URL(input, base): with a constant base, a relative input keeps the base's origin unless it
 * starts with a scheme or `//` (CWE-918): `new URL("//evil", base)` leaves the base's host.
 */
function url(input: Value, base: Value | undefined): Value {
  if (!base) return input.text !== undefined ? { flows: input.flows, text: input.text } : derived(input, false);
  const inputText = input.text ?? "";
  const relative = /^(\/(?!\/)|\.\.?\/|[a-z0-9_-]+\/)/i.test(inputText) && !inputText.startsWith(HOLE) && !inputText.startsWith(GAP);
  const baseFixed = base.text !== undefined && fixedOrigin(base.text.endsWith("/") ? base.text : `${base.text}/`);
  if (relative && baseFixed && deepFlows(base).length === 0) return cleanedFor(derived(input, false), ["taint/ssrf"]);
  return derived(join(input, base), false);
}

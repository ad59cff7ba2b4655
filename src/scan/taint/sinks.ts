// The sinks: where request data must not arrive unsanitized. Library sinks are matched by the
// normalized name of the called value (`child_process.exec`, `fs.readFile`, `lodash.merge`);
// database sinks by method name, since drivers are reached through objects the project builds.
import ts from "typescript";
import { type Analysis, type Frame, report, unsafeFlow } from "./analysis.ts";
import type { CallSite } from "./calls.ts";
import { skipOuter } from "./expressions.ts";
import { fixedOrigin } from "./guards.ts";
import type { TaintRuleId } from "./rules.ts";
import { deepFlows, type Flow, HOLE, type Value } from "./value.ts";

const CODE_EVAL = /^vm\.(runInNewContext|runInThisContext|runInContext|compileFunction|Script|SourceTextModule)$/;
const TIMERS = new Set(["setTimeout", "setInterval", "setImmediate"]);
const SHELL_EXEC = /^(child_process\.(exec|execSync)|shelljs\.exec|execa\.(command|commandSync)|execa\.execaCommand)$/;
const SPAWN = /^child_process\.(spawn|spawnSync|execFile|execFileSync|fork)$/;
const SHELL_PROGRAM = /^(\/usr)?(\/bin\/)?(sh|bash|zsh|dash|ksh|cmd(\.exe)?|powershell(\.exe)?|pwsh)$/i;
const FS_ONE =
  /^fs\.(readFile|readFileSync|writeFile|writeFileSync|appendFile|appendFileSync|createReadStream|createWriteStream|unlink|unlinkSync|rm|rmSync|rmdir|rmdirSync|open|openSync|readdir|readdirSync|mkdir|mkdirSync|truncate|truncateSync|chmod|chmodSync|chown|chownSync|opendir|readlink|readJson|readJSON|readJsonSync|outputFile|outputFileSync|writeJson|writeJSON|remove|removeSync|emptyDir|ensureFile)$/;
const FS_TWO = /^fs\.(copyFile|copyFileSync|rename|renameSync|symlink|symlinkSync|link|linkSync|cp|cpSync|copy|copySync|move|moveSync)$/;
const HTTP_CLIENT =
  /^(fetch|node-fetch|cross-fetch|isomorphic-fetch|undici\.(fetch|request|stream)|axios(\.create\(\))?(\.(get|post|put|patch|delete|head|options|request))?|got(\.(get|post|put|patch|delete|head|stream))?|superagent(\.(get|post|put|patch|delete|head))?|needle(\.(get|post|put|patch|delete|head|request))?|request(\.(get|post|put|patch|delete|head))?|(http|https)\.(get|request))$/;
const UNSAFE_DESERIALIZERS = /^(node-serialize\.unserialize|serialize-to-js\.deserialize|funcster\.deepDeserialize|cryo\.parse)$/;
const JS_YAML_LOAD = /^js-yaml\.(load|loadAll)$/;
const DEEP_MERGE =
  /^(lodash\.(merge|mergewith|defaultsdeep)|deepmerge(\.all)?|merge-deep|mixin-deep|defaults-deep|deep-extend|assign-deep|merge\.recursive|flat\.unflatten)$/i;
const PATH_SET = /^(lodash\.(set|setwith|zipobjectdeep)|dot-prop\.(set|setProperty)|set-value|object-path\.set|dset)$/i;
const SQL_STRONG = new Set(["query", "execute", "raw", "unsafe", "$queryRawUnsafe", "$executeRawUnsafe", "literal"]);
const SQL_WEAK = new Set(["exec", "prepare", "all", "get", "run", "each", "none", "one", "many", "any", "oneOrNone", "manyOrNone", "multi"]);
const SQL_DRIVERS = /^(pg|pg-promise|postgres|mysql2?|sqlite3?|better-sqlite3|knex|sequelize|mssql|tedious|oracledb|@prisma\/client|typeorm|@vercel\/postgres|@neondatabase\/serverless|slonik|kysely)(\/|\.|$)/;
const DB_NAME = /^(db|database|pool|client|conn|connection|knex|sequelize|sql|pg|mysql|sqlite|prisma|tx|trx|transaction|manager|dataSource)$/i;
const SQL_TEXT = /\b(select\b[\s\S]*\bfrom|insert\s+into|update\b[\s\S]*\bset|delete\s+from|(create|drop|alter|truncate)\s+table|where\b|order\s+by)/i;
const NOSQL = new Set([
  "find", "findOne", "findOneAndUpdate", "findOneAndDelete", "findOneAndReplace", "findOneAndRemove", "updateOne",
  "updateMany", "deleteOne", "deleteMany", "countDocuments", "count", "replaceOne", "remove", "aggregate",
]);

export function checkSinks(a: Analysis, f: Frame, s: CallSite): void {
  const api = s.callee.api;
  if (api !== undefined) librarySinks(a, f, s, api);
  if (s.method !== undefined && !s.callee.fn) methodSinks(a, f, s, s.method);
}

function flag(a: Analysis, f: Frame, s: CallSite, rule: TaintRuleId, v: Value | undefined, what: string, structured = false): boolean {
  if (!v) return false;
  const flow = unsafeFlow(deepFlows(v), rule, structured);
  if (flow) report(a, f, rule, s.node, flow, what);
  return flow !== undefined;
}

function librarySinks(a: Analysis, f: Frame, s: CallSite, api: string): void {
  const [arg0, arg1] = s.args;
  const call = `${api}()`;
  if (api === "eval" && arg0) {
    // eval("(" + body + ")") is the pre-JSON way to deserialize: CWE-502 as much as CWE-95.
    const wrapped = arg0.text !== undefined && /^\s*\(.*\)\s*$/s.test(arg0.text) && arg0.text.includes(HOLE);
    flag(a, f, s, wrapped ? "taint/unsafe-deserialization" : "taint/code-injection", arg0, "eval()");
  } else if (api === "Function") s.args.forEach((v) => flag(a, f, s, "taint/code-injection", v, "Function()"));
  else if (CODE_EVAL.test(api) || (api === "require" && arg0 && !ts.isStringLiteralLike(s.argNodes[0]!)))
    flag(a, f, s, "taint/code-injection", arg0, call);
  else if (TIMERS.has(api) && arg0 && !arg0.fn) flag(a, f, s, "taint/code-injection", arg0, `${api}() with a string`);
  else if (SHELL_EXEC.test(api)) flag(a, f, s, "taint/command-injection", arg0, call);
  else if (SPAWN.test(api)) spawnSink(a, f, s, api);
  else if (FS_ONE.test(api)) flag(a, f, s, "taint/path-traversal", arg0, call);
  else if (FS_TWO.test(api))
    flag(a, f, s, "taint/path-traversal", arg0, call) || flag(a, f, s, "taint/path-traversal", arg1, call);
  else if (HTTP_CLIENT.test(api)) requestSink(a, f, s, call);
  else if (api === "RegExp") flag(a, f, s, "taint/redos", arg0, s.isNew ? "new RegExp()" : "RegExp()");
  else if (UNSAFE_DESERIALIZERS.test(api)) flag(a, f, s, "taint/unsafe-deserialization", arg0, call);
  else if (JS_YAML_LOAD.test(api) && unsafeYamlSchema(arg1)) flag(a, f, s, "taint/unsafe-deserialization", arg0, `${call} with a full schema`);
  else if (DEEP_MERGE.test(api)) s.args.some((v) => flag(a, f, s, "taint/prototype-pollution", v, call, true));
  else if (PATH_SET.test(api)) flag(a, f, s, "taint/prototype-pollution", arg1, `${call} with a request-chosen path`);
  else if (api === "jquery.extend" && s.argNodes[0]?.kind === ts.SyntaxKind.TrueKeyword)
    s.args.slice(1).some((v) => flag(a, f, s, "taint/prototype-pollution", v, "$.extend(true, …)", true));
  else if (api === "Response" && s.isNew && arg0) htmlSink(a, f, s.node, arg0, arg1?.props?.get("headers"));
}

/** spawn/execFile: the program itself, or its arguments when a shell interprets them (CWE-78). */
function spawnSink(a: Analysis, f: Frame, s: CallSite, api: string): void {
  const [program, second] = s.args;
  if (flag(a, f, s, "taint/command-injection", program, `${api}() of a request-chosen program`)) return;
  const options = s.args.slice(1).find((v) => v.props?.has("shell"));
  const shell = options?.props?.get("shell");
  const viaShell = (shell !== undefined && truthy(shell)) || (program?.text !== undefined && SHELL_PROGRAM.test(program.text));
  const argv = s.argNodes[1] && ts.isArrayLiteralExpression(skipOuter(s.argNodes[1])) ? second : undefined;
  if (viaShell && argv) flag(a, f, s, "taint/command-injection", argv, `${api}() through a shell`);
}

/** `shell: true`, `shell: "/bin/sh"`, `shell: process.env.SHELL` are shells; `shell: false` is not. */
function truthy(v: Value): boolean {
  return v.text !== undefined ? v.text !== "" : deepFlows(v).length > 0 || v.api !== undefined;
}

/** An outbound request whose URL or host comes from the request: the origin is not fixed (CWE-918). */
function requestSink(a: Analysis, f: Frame, s: CallSite, call: string): void {
  const [first] = s.args;
  if (!first) return;
  const target = first.props
    ? (["url", "baseURL", "host", "hostname", "href", "origin"].map((k) => first.props!.get(k)).filter(Boolean) as Value[])
    : [first];
  for (const v of target) {
    if (v.text !== undefined && fixedOrigin(v.text)) continue;
    if (flag(a, f, s, "taint/ssrf", v, call)) return;
  }
}

function unsafeYamlSchema(options: Value | undefined): boolean {
  const schema = options?.props?.get("schema");
  return schema?.api !== undefined && /FULL|js-types|unsafe/i.test(schema.api);
}

function methodSinks(a: Analysis, f: Frame, s: CallSite, method: string): void {
  const owner = s.receiver?.api ?? "";
  if (owner.startsWith("lodash") || owner === "Array" || owner === "Object") return;
  const [arg0] = s.args;
  if (!arg0) return;
  if (SQL_STRONG.has(method) || SQL_WEAK.has(method) || method.endsWith("Raw")) sqlSink(a, f, s, method, arg0);
  else if (NOSQL.has(method) && !arg0.fn) nosqlSink(a, f, s, method, arg0);
  else if ((method === "match" || method === "search" || method === "matchAll") && !arg0.fn)
    flag(a, f, s, "taint/redos", arg0, `String.prototype.${method}()`);
}

function sqlSink(a: Analysis, f: Frame, s: CallSite, method: string, arg0: Value): void {
  // pool.query({ text, values }) is the config form of the same call.
  const sql = arg0.props?.get("text") ?? arg0.props?.get("sql") ?? arg0;
  const text = sql.text ?? "";
  const strong = SQL_STRONG.has(method) || method.endsWith("Raw");
  const owner = s.receiver?.api ?? "";
  const receiverName = s.receiverNode ? lastName(s.receiverNode) : "";
  const looksSql =
    SQL_TEXT.test(text) ||
    (strong && (SQL_DRIVERS.test(owner) || DB_NAME.test(receiverName) || [...f.module.packages].some((p) => SQL_DRIVERS.test(p))));
  if (looksSql) flag(a, f, s, "taint/sql-injection", sql, `.${method}()`);
}

function lastName(e: ts.Expression): string {
  const x = skipOuter(e);
  if (ts.isIdentifier(x)) return x.text;
  if (ts.isPropertyAccessExpression(x)) return x.name.text;
  if (ts.isCallExpression(x)) return lastName(x.expression);
  return "";
}

/**
 * A filter whose value may be an object lets the caller send `{"$ne": null}` or `{"$where": …}`
 * (CWE-943). Strings are harmless as filter values; `{ $eq: x }` compares literally.
 */
function nosqlSink(a: Analysis, f: Frame, s: CallSite, method: string, filter: Value): void {
  const flow = operatorFlow(filter, 3);
  if (flow) report(a, f, "taint/nosql-injection", s.node, flow, `.${method}() filter`);
}

function operatorFlow(v: Value, depth: number): Flow | undefined {
  const direct = unsafeFlow(v.flows, "taint/nosql-injection", true);
  if (direct) return direct;
  if (!v.props || depth === 0) return undefined;
  for (const [key, p] of v.props) {
    if (key === "$where" || key === "$function" || key === "$accumulator") {
      const code = unsafeFlow(deepFlows(p), "taint/nosql-injection");
      if (code) return code;
      continue;
    }
    if (p.props?.size === 1 && p.props.has("$eq")) continue;
    const inner = operatorFlow(p, depth - 1);
    if (inner) return inner;
  }
  return undefined;
}

/**
 * What the handler returns is the HTTP response: request data in a body served as HTML (by its
 * content-type, or a body that starts with markup) is reflected XSS (CWE-79).
 */
export function checkResponse(a: Analysis, f: Frame, response: Value, node: ts.Node): void {
  const body = response.props?.get("body");
  if (body) htmlSink(a, f, node, body, response.props?.get("headers"));
}

function htmlSink(a: Analysis, f: Frame, node: ts.Node, body: Value, headers: Value | undefined): void {
  let contentType = "";
  for (const [k, v] of headers?.props ?? []) if (k.toLowerCase() === "content-type") contentType = v.text ?? "";
  const html = /html/i.test(contentType) || (body.text !== undefined && body.text.trimStart().startsWith("<"));
  if (!html) return;
  const flow = unsafeFlow(deepFlows(body), "taint/xss");
  if (flow) report(a, f, "taint/xss", node, flow, "an HTML response body");
}

// AWS SAM templates: the Node.js functions and their handlers, their IAM policies, public API
// events without an authorizer (SAM's Auth.Authorizer, or the API's DefaultAuthorizer), function
// URLs with AuthType NONE, and functions without a Timeout (SAM defaults to 3 s silently).
import type { Finding } from "../types.ts";
import { type HandlerRef, lambdaHandler } from "./handlers.ts";
import { lintIamResources, lintManagedPolicy, lintPolicyDocument, type Report } from "./iam.ts";
import { CONFIG_RULES } from "./rules.ts";
import { fieldName, type Located } from "./yaml.ts";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export interface TemplateScan {
  handlers: HandlerRef[];
  findings: Finding[];
}

export function isSamTemplate(value: unknown): boolean {
  if (!isObject(value)) return false;
  const transform = JSON.stringify(value.Transform ?? "");
  return transform.includes("AWS::Serverless") || Object.values(isObject(value.Resources) ? value.Resources : {}).some((r) => isObject(r) && r.Type === "AWS::Serverless::Function");
}

export function reporter(file: string, doc: Located, out: Finding[]): Report {
  return (rule, path, message, at = path) => {
    const meta = CONFIG_RULES[rule];
    out.push({ ruleId: rule, severity: meta.severity, cwe: meta.cwe, message, file, ...doc.locate(at), path: [], fix: meta.fix, field: fieldName(path) });
  };
}

/** `root`: the project; `dir`: the template's directory relative to it; `file`: the template's path. */
export function scanSam(root: string, dir: string, file: string, doc: Located): TemplateScan {
  const tpl = doc.value as Json;
  const findings: Finding[] = [];
  const handlers: HandlerRef[] = [];
  const report = reporter(file, doc, findings);
  const globals = isObject(tpl.Globals) && isObject(tpl.Globals.Function) ? tpl.Globals.Function : {};
  const resources = isObject(tpl.Resources) ? tpl.Resources : {};
  lintIamResources(resources, ["Resources"], report);
  for (const [id, res] of Object.entries(resources)) {
    if (!isObject(res) || (res.Type !== "AWS::Serverless::Function" && res.Type !== "AWS::Lambda::Function")) continue;
    const props = isObject(res.Properties) ? res.Properties : {};
    const at = ["Resources", id, "Properties"];
    const runtime = String(props.Runtime ?? globals.Runtime ?? "");
    const handler = props.Handler ?? globals.Handler;
    const code = res.Type === "AWS::Serverless::Function" ? (props.CodeUri ?? globals.CodeUri ?? ".") : props.Code;
    if (runtime.startsWith("nodejs") && typeof handler === "string" && typeof code === "string" && !code.startsWith("s3://")) {
      const entry = entryPoint(res);
      const module = entry ? `${entry.replace(/\.[cm]?[jt]s$/, "")}.${handler.slice(handler.lastIndexOf(".") + 1)}` : handler;
      const declared = { file, ...doc.locate([...at, "Handler"]) };
      handlers.push({ ...lambdaHandler(root, `${dir}/${code}`, module), name: id, declared });
    }
    if (props.Timeout === undefined && globals.Timeout === undefined)
      report("iac/missing-timeout", [...at, "Timeout"], `Function ${id} has no Timeout`, ["Resources", id]);
    lintFunctionPolicies(props.Policies, [...at, "Policies"], id, report);
    lintEvents(tpl, id, props, at, report);
    const url = props.FunctionUrlConfig;
    if (isObject(url) && url.AuthType === "NONE")
      report("iac/api-without-authorizer", [...at, "FunctionUrlConfig", "AuthType"], `Function ${id} has a public function URL (AuthType NONE)`);
  }
  return { handlers, findings };
}

/** esbuild-built functions name their source in Metadata.BuildProperties.EntryPoints. */
function entryPoint(res: Json): string | undefined {
  const meta = isObject(res.Metadata) && isObject(res.Metadata.BuildProperties) ? res.Metadata.BuildProperties : {};
  const first = Array.isArray(meta.EntryPoints) ? meta.EntryPoints[0] : undefined;
  return typeof first === "string" ? first : undefined;
}

/** SAM Policies: a managed policy name, an inline document, or a list of either (or SAM templates). */
function lintFunctionPolicies(policies: unknown, at: Array<string | number>, owner: string, report: Report): void {
  const items = Array.isArray(policies) ? policies : policies === undefined ? [] : [policies];
  items.forEach((p, i) => {
    const path = Array.isArray(policies) ? [...at, i] : at;
    if (typeof p === "string") lintManagedPolicy(p, path, owner, report);
    else if (isObject(p) && p.Statement !== undefined) lintPolicyDocument(p, path, owner, report);
  });
}

function lintEvents(tpl: Json, id: string, props: Json, at: Array<string | number>, report: Report): void {
  if (!isObject(props.Events)) return;
  for (const [name, ev] of Object.entries(props.Events)) {
    if (!isObject(ev) || (ev.Type !== "Api" && ev.Type !== "HttpApi")) continue;
    const p = isObject(ev.Properties) ? ev.Properties : {};
    const auth = isObject(p.Auth) ? p.Auth : {};
    const route = `${String(p.Method ?? "ANY").toUpperCase()} ${String(p.Path ?? "/")}`;
    const path = [...at, "Events", name];
    if (auth.Authorizer === "NONE") {
      report("iac/api-without-authorizer", [...path, "Properties", "Auth", "Authorizer"], `${id}: route ${route} sets Authorizer NONE`);
      continue;
    }
    if (auth.Authorizer !== undefined || auth.ApiKeyRequired === true) continue;
    if (hasDefaultAuthorizer(tpl, ev.Type, p)) continue;
    report("iac/api-without-authorizer", path, `${id}: route ${route} has no authorizer`);
  }
}

/** The event's API (RestApiId/ApiId, or SAM's implicit one configured by Globals) has a default. */
function hasDefaultAuthorizer(tpl: Json, type: unknown, p: Json): boolean {
  const ref = p.RestApiId ?? p.ApiId;
  const resources = isObject(tpl.Resources) ? tpl.Resources : {};
  let api: unknown;
  if (isObject(ref) && typeof ref.Ref === "string") {
    const res = resources[ref.Ref];
    api = isObject(res) ? res.Properties : undefined;
  } else {
    const globals = isObject(tpl.Globals) ? tpl.Globals : {};
    api = type === "Api" ? globals.Api : globals.HttpApi;
  }
  const auth = isObject(api) && isObject(api.Auth) ? api.Auth : {};
  return auth.DefaultAuthorizer !== undefined && auth.DefaultAuthorizer !== "NONE";
}

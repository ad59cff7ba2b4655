// Serverless Framework (serverless.yml, AWS provider): Node.js handlers (`src/h.main`), IAM
// statements (provider.iam.role.statements, the older provider.iamRoleStatements, per-function
// iamRoleStatements, and raw CloudFormation under resources.Resources), http/httpApi events
// without an authorizer, and functions without a timeout.
import type { Finding } from "../types.ts";
import { type HandlerRef, lambdaHandler } from "./handlers.ts";
import { lintIamResources, lintStatements } from "./iam.ts";
import { reporter, type TemplateScan } from "./sam.ts";
import type { Located } from "./yaml.ts";

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function scanServerless(root: string, dir: string, file: string, doc: Located): TemplateScan {
  const cfg = isObject(doc.value) ? doc.value : {};
  const findings: Finding[] = [];
  const handlers: HandlerRef[] = [];
  const report = reporter(file, doc, findings);
  const provider = isObject(cfg.provider) ? cfg.provider : {};
  const iam = isObject(provider.iam) && isObject(provider.iam.role) ? provider.iam.role : {};
  lintStatements(iam.statements, ["provider", "iam", "role", "statements"], "provider role", report);
  lintStatements(provider.iamRoleStatements, ["provider", "iamRoleStatements"], "provider role", report);
  if (isObject(cfg.resources)) lintIamResources(cfg.resources.Resources, ["resources", "Resources"], report);
  for (const [name, fn] of Object.entries(isObject(cfg.functions) ? cfg.functions : {})) {
    if (!isObject(fn)) continue;
    const at = ["functions", name];
    const runtime = String(fn.runtime ?? provider.runtime ?? "nodejs");
    if (typeof fn.handler === "string" && runtime.startsWith("nodejs"))
      handlers.push({ ...lambdaHandler(root, dir, fn.handler), name, declared: { file, ...doc.locate([...at, "handler"]) } });
    if (fn.timeout === undefined && provider.timeout === undefined)
      report("iac/missing-timeout", [...at, "timeout"], `Function ${name} has no timeout`, at);
    lintStatements(fn.iamRoleStatements, [...at, "iamRoleStatements"], name, report);
    (Array.isArray(fn.events) ? fn.events : []).forEach((ev, i) => {
      if (!isObject(ev)) return;
      for (const kind of ["http", "httpApi"] as const) {
        if (ev[kind] === undefined) continue;
        const spec = ev[kind];
        const route = typeof spec === "string" ? spec : isObject(spec) ? `${String(spec.method ?? "ANY").toUpperCase()} ${String(spec.path ?? "/")}` : "?";
        const guarded = isObject(spec) && (spec.authorizer !== undefined || spec.private === true);
        if (!guarded) report("iac/api-without-authorizer", [...at, "events", i, kind], `${name}: route ${route} has no authorizer`);
      }
    });
  }
  return { handlers, findings };
}

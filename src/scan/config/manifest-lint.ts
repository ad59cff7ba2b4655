// Lints the raw bulwark.yaml object (YAML already parsed; the manifest parser proper validates
// shapes — here only what is valid but risky). Unknown shapes are skipped, never thrown on.
import type { Finding } from "../types.ts";
import { CONFIG_RULES, type ConfigRuleId } from "./rules.ts";
import { durationMs, sizeBytes } from "./units.ts";
import { fieldName, type FieldPath } from "./yaml.ts";

export interface LintContext {
  /** The manifest's path relative to the scanned directory. */
  file: string;
  locate?: (path: FieldPath) => { line: number; column: number };
  /** The text of a function's handler and the modules it imports, when known. */
  handlerSource?: (fn: string) => string | undefined;
}

const BODY_METHODS = new Set(["POST", "PUT", "PATCH", "ANY"]);
const MAX_TIMEOUT_MS = 60_000;
const MAX_MEMORY = 1024 ** 3;
const ANY_HOST = /^(\*|\*:\*|\*:\d+|0\.0\.0\.0\/0|::\/0)$/;
/** Grants named by string in handler code: ctx.secrets.get("X"), ctx.kv("ns"), ctx.invoke("fn"). */
const NAMED_GRANTS = ["secrets", "kv", "objects", "invoke"];
const TENANT_READ = /\bidentity\??\.tenant\b|\bclaims\??\.(tenant|tenant_id|tenantId|org_id|orgId)\b|\[\s*["'](tenant|tenant_id|tenantId|org_id)["']\s*\]/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function lintManifest(raw: unknown, ctx: LintContext): Finding[] {
  const out: Finding[] = [];
  const report = (rule: ConfigRuleId, path: FieldPath, message: string, at: FieldPath = path) => {
    const meta = CONFIG_RULES[rule];
    const pos = ctx.locate?.(at) ?? { line: 1, column: 1 };
    out.push({ ruleId: rule, severity: meta.severity, cwe: meta.cwe, message, file: ctx.file, ...pos, path: [], fix: meta.fix, field: fieldName(path) });
  };
  if (!isObject(raw) || !isObject(raw.functions)) return out;
  for (const [name, spec] of Object.entries(raw.functions)) {
    if (!isObject(spec)) continue;
    const base = ["functions", name];
    lintTriggers(name, spec, base, report, ctx);
    lintPermissions(name, spec, base, report, ctx);
    const timeout = durationMs(spec.timeout);
    if (timeout !== null && timeout > MAX_TIMEOUT_MS)
      report("manifest/long-timeout", [...base, "timeout"], `Function ${name} may run for ${timeout / 1000} s`);
    const memory = sizeBytes(spec.memory);
    if (memory !== null && memory > MAX_MEMORY)
      report("manifest/large-memory", [...base, "memory"], `Function ${name} reserves ${String(spec.memory)} of memory`);
  }
  return out;
}

type Report = (rule: ConfigRuleId, path: FieldPath, message: string, at?: FieldPath) => void;

function lintTriggers(name: string, spec: Json, base: FieldPath, report: Report, ctx: LintContext): void {
  const triggers = Array.isArray(spec.triggers) ? spec.triggers : [];
  let readsTenant: boolean | undefined;
  triggers.forEach((t, i) => {
    const http = isObject(t) && isObject(t.http) ? t.http : null;
    if (!http) return;
    const at = [...base, "triggers", i, "http"];
    const route = `${String(http.method ?? "ANY").toUpperCase()} ${String(http.path ?? "/")}`;
    if (http.auth === "none") report("manifest/auth-none", [...at, "auth"], `Route ${route} of ${name} is reachable without authentication`);
    if (BODY_METHODS.has(String(http.method ?? "ANY").toUpperCase()) && spec.input === undefined && http.input === undefined)
      report("manifest/missing-input-schema", [...base, "input"], `Route ${route} of ${name} accepts a body that no schema validates`, [...at, "method"]);
    const scoped = [http.roles, http.scopes].some((v) => Array.isArray(v) && v.length > 0);
    if (!scoped || spec.isolation === "tenant" || spec.tenantFrom !== undefined) return;
    readsTenant ??= TENANT_READ.test(ctx.handlerSource?.(name) ?? "");
    if (readsTenant)
      report("manifest/tenant-isolation-missing", [...base, "tenantFrom"], `${name} reads a tenant claim on ${route} but its sandboxes are shared across tenants`, at);
  });
}

function lintPermissions(name: string, spec: Json, base: FieldPath, report: Report, ctx: LintContext): void {
  const perms = spec.permissions;
  const at = [...base, "permissions"];
  if (perms === "*" || (Array.isArray(perms) && perms.includes("*"))) {
    report("manifest/wildcard-grant", at, `Function ${name} is granted every capability`);
    return;
  }
  if (!isObject(perms)) return;
  const source = ctx.handlerSource?.(name);
  for (const [kind, grant] of Object.entries(perms)) {
    if (kind === "egress") {
      entries(grant).forEach(([key, host]) => {
        if (typeof host === "string" && ANY_HOST.test(host.trim()))
          report("manifest/egress-any", [...at, kind, key], `Function ${name} may connect to any host (${host})`);
      });
      continue;
    }
    if (grant === "*") {
      report("manifest/wildcard-grant", [...at, kind], `Function ${name} is granted every ${kind}`);
      continue;
    }
    for (const [key, value] of entries(grant)) {
      const target = typeof key === "string" ? key : typeof value === "string" ? value : null;
      const ops = typeof key === "string" ? value : null;
      if (target?.includes("*") || (Array.isArray(ops) && ops.includes("*")) || ops === "*") {
        report("manifest/wildcard-grant", [...at, kind, key], `Function ${name} has a wildcard ${kind} grant (${target ?? "*"})`);
        continue;
      }
      if (target && source !== undefined && NAMED_GRANTS.includes(kind) && !source.includes(target))
        report("manifest/unused-grant", [...at, kind, key], `Function ${name} is granted ${kind} ${target} but its code never names it`);
    }
  }
}

/** A grant list (`[a, b]`: index → name) or map (`{ ns: [read] }`: name → operations). */
function entries(grant: unknown): Array<[string | number, unknown]> {
  if (Array.isArray(grant)) return grant.map((v, i) => [i, v]);
  if (isObject(grant)) return Object.entries(grant);
  return typeof grant === "string" ? [[0, grant]] : [];
}

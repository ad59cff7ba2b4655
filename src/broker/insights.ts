// `policy suggest` and `policy lint`, from the serving manifests and the recorded broker calls.
//
// suggest FN: the smallest permissions block covering the calls FN made that were allowed.
// Refused calls are listed apart and included only when asked (`includeDenied`): a refused call
// may be a need the manifest does not grant yet, or an attack through a handler bug (SSRF to
// 127.0.0.1:80), and pasting an attack in as a grant would open exactly that door. Calls no grant
// could cover (unknown actions, malformed names) are always left out by minimalPermissions.
// lint: core/policy's lintPermissions per function (wildcards, unknown secrets and functions,
// grants never used, the latter only for functions that have history), plus `shared-namespace`:
// KV namespaces and buckets are app-wide names and a grant is their access list, so two functions
// granted the same name share its data; lint says so, as information, so sharing is a decision.
import { BulwarkError } from "../core/errors.ts";
import { type LintFinding, lintPermissions, minimalPermissions, type Permissions } from "../core/policy/index.ts";
import type { CallRecorder } from "./call-log.ts";
import { permissionsYaml } from "./permissions-yaml.ts";
import type { PolicyTable } from "./policies.ts";
import type { SecretService } from "./secrets.ts";

export interface Suggestion {
  function: string;
  calls: number;
  /** Refused calls as `action resource (count)`, whether or not they were included. */
  denied: string[];
  permissions: Permissions;
  yaml: string;
}

export interface PolicyFinding {
  function: string;
  rule: LintFinding["rule"] | "shared-namespace";
  severity: LintFinding["severity"] | "info";
  field: string;
  message: string;
}

export class PolicyInsights {
  readonly #policies: PolicyTable;
  readonly #recorder: CallRecorder;
  readonly #secrets: SecretService;

  constructor(policies: PolicyTable, recorder: CallRecorder, secrets: SecretService) {
    this.#policies = policies;
    this.#recorder = recorder;
    this.#secrets = secrets;
  }

  suggest(fn: string, options: { includeDenied?: boolean } = {}): Suggestion {
    const calls = this.#recorder.calls(fn);
    if (calls.length === 0 && !this.#policies.specs().some((s) => s.name === fn)) {
      throw new BulwarkError("BWK_FUNCTION_NOT_FOUND", `no function named "${fn}" is deployed or has recorded calls`);
    }
    const permissions = minimalPermissions(options.includeDenied === true ? calls : calls.filter((c) => c.allowed));
    return {
      function: fn,
      calls: calls.reduce((n, c) => n + c.count, 0),
      denied: calls.filter((c) => !c.allowed).map((c) => `${c.action} ${c.resource} (${c.count})`),
      permissions,
      yaml: permissionsYaml(permissions),
    };
  }

  lint(): PolicyFinding[] {
    const specs = this.#policies.specs().sort((a, b) => (a.name < b.name ? -1 : 1));
    const knownSecrets = this.#secrets.list().map((s) => s.name);
    const knownFunctions = specs.map((s) => s.name);
    const findings: PolicyFinding[] = [];
    for (const spec of specs) {
      const history = this.#recorder.calls(spec.name).filter((c) => c.allowed);
      const context = { knownSecrets, knownFunctions, ...(history.length > 0 ? { usedCalls: history } : {}) };
      for (const f of lintPermissions(spec.permissions ?? {}, context)) {
        findings.push({ function: spec.name, ...f, field: `functions.${spec.name}.${f.field}` });
      }
    }
    findings.push(...sharedNamespaces(specs.map((s) => ({ name: s.name, permissions: s.permissions ?? {} }))));
    return findings;
  }
}

function sharedNamespaces(functions: Array<{ name: string; permissions: Permissions }>): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const section of ["kv", "objects"] as const) {
    const holders = new Map<string, string[]>();
    for (const f of functions) {
      for (const ns of Object.keys(f.permissions[section] ?? {})) holders.set(ns, [...(holders.get(ns) ?? []), f.name]);
    }
    for (const [ns, names] of holders) {
      if (names.length < 2) continue;
      const what = section === "kv" ? "KV namespace" : "bucket";
      for (const fn of names) {
        findings.push({
          function: fn,
          rule: "shared-namespace",
          severity: "info",
          field: `functions.${fn}.permissions.${section}.${ns}`,
          message: `${what} ${ns} is shared with ${names.filter((n) => n !== fn).join(", ")}`,
        });
      }
    }
  }
  return findings;
}

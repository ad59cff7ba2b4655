// What a well-formed resource is for each permission section: one table, so evaluate,
// minimalPermissions and lintPermissions agree on which names exist at all.

import { parseEgressTarget } from "./egress-grant.ts";
import { FUNCTION_NAME, NAMESPACE, SECRET_NAME } from "./names.ts";
import type { ListSection, MapSection } from "./types.ts";

interface ResourceKind {
  /** What the resource is, in a sentence: "secret", "KV namespace". */
  noun: string;
  /** What a well-formed one looks like, for refusals. */
  form: string;
  valid: (resource: unknown) => resource is string;
}

export const RESOURCES: Record<ListSection | MapSection, ResourceKind> = {
  secrets: { noun: "secret", form: "secret name", valid: (r) => matches(r, SECRET_NAME) },
  kv: { noun: "KV namespace", form: "KV namespace name", valid: (r) => matches(r, NAMESPACE) },
  objects: { noun: "bucket", form: "bucket name", valid: (r) => matches(r, NAMESPACE) },
  invoke: { noun: "function", form: "function name", valid: (r) => matches(r, FUNCTION_NAME) },
  egress: {
    noun: "host",
    form: "host:port",
    valid: (r): r is string => typeof r === "string" && parseEgressTarget(r) !== null,
  },
};

function matches(value: unknown, pattern: RegExp): value is string {
  return typeof value === "string" && pattern.test(value);
}

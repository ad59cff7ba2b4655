// Rules for configuration: the Bulwark manifest and AWS SAM / Serverless Framework templates.
import type { Severity } from "../types.ts";

interface ConfigRule {
  severity: Severity;
  cwe: string;
  title: string;
  fix: string;
}

export const CONFIG_RULES = {
  "manifest/auth-none": {
    severity: "medium",
    cwe: "CWE-306",
    title: "Route reachable without authentication",
    fix: "Set auth: jwt or auth: apiKey on the route, or keep auth: none only for deliberately public endpoints.",
  },
  "manifest/missing-input-schema": {
    severity: "medium",
    cwe: "CWE-20",
    title: "Route takes a body without an input schema",
    fix: "Add input: schemas/<name>.json so the edge rejects malformed bodies before the function runs.",
  },
  "manifest/wildcard-grant": {
    severity: "high",
    cwe: "CWE-250",
    title: "Wildcard permission grant",
    fix: "Grant the named secrets, namespaces, buckets, queues or functions the handler uses, not *.",
  },
  "manifest/egress-any": {
    severity: "high",
    cwe: "CWE-918",
    title: "Egress to any host",
    fix: "List the hosts (and ports) the function calls in permissions.egress.",
  },
  "manifest/unused-grant": {
    severity: "low",
    cwe: "CWE-250",
    title: "Granted capability never named by the handler's code",
    fix: "Remove the grant, or check that the handler reaches it under this name.",
  },
  "manifest/long-timeout": {
    severity: "low",
    cwe: "CWE-400",
    title: "Timeout above 60 s",
    fix: "Keep request handlers under 60 s; move long work to a queue-triggered function.",
  },
  "manifest/large-memory": {
    severity: "low",
    cwe: "CWE-400",
    title: "Memory above 1 GiB",
    fix: "Lower memory to what the function needs; large sandboxes make denial of service cheaper.",
  },
  "manifest/tenant-isolation-missing": {
    severity: "medium",
    cwe: "CWE-653",
    title: "Handler reads a tenant claim but the route does not isolate tenants",
    fix: "Set isolation: tenant and tenantFrom: jwt.claim:<claim> on the function: one sandbox pool and data partition per tenant.",
  },
  "iac/iam-wildcard-action": {
    severity: "high",
    cwe: "CWE-250",
    title: "IAM statement allows every action of a service",
    fix: "List the actions the function calls (s3:GetObject, dynamodb:PutItem), not * or service:*.",
  },
  "iac/iam-wildcard-resource": {
    severity: "medium",
    cwe: "CWE-250",
    title: "IAM statement applies to every resource",
    fix: "Scope Resource to the ARNs the function uses (!GetAtt Table.Arn, arn:aws:s3:::bucket/*).",
  },
  "iac/api-without-authorizer": {
    severity: "medium",
    cwe: "CWE-306",
    title: "Public API route without an authorizer",
    fix: "Attach an authorizer (Auth.Authorizer / authorizer:) or a default authorizer on the API.",
  },
  "iac/missing-timeout": {
    severity: "low",
    cwe: "CWE-400",
    title: "Function without an explicit timeout",
    fix: "Set Timeout (SAM) or timeout (Serverless) to what the function needs.",
  },
  "scan/handler-not-analyzed": {
    severity: "high",
    cwe: "CWE-693",
    title: "Handler could not be analyzed",
    fix: "Point the manifest at an existing handler file and export; split files the parser cannot read.",
  },
} as const satisfies Record<string, ConfigRule>;

export type ConfigRuleId = keyof typeof CONFIG_RULES;

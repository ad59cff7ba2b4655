// IAM policy statements (AWS IAM JSON policy reference): Allow statements whose Action is `*`
// or `service:*` (or any NotAction), or whose Resource is `*`, grant more than a function needs
// (CWE-250). Intrinsic functions (!Ref, !Sub) are not wildcards. Deny statements are fine.
import type { ConfigRuleId } from "./rules.ts";
import type { FieldPath } from "./yaml.ts";

export type Report = (rule: ConfigRuleId, path: FieldPath, message: string, at?: FieldPath) => void;

/** Actions AWS only accepts with Resource "*": a wildcard resource is not a choice for them. */
const RESOURCE_LESS = /^(xray:|cloudwatch:PutMetricData$|ec2:Describe|ec2:(Create|Delete)NetworkInterface$|sts:GetCallerIdentity$|logs:DescribeLogGroups$)/;
/** AWS managed policies that grant whole services or everything. */
const BROAD_MANAGED = /(^|\/)(AdministratorAccess|PowerUserAccess|\w+FullAccess)$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

export function lintStatements(statements: unknown, path: FieldPath, owner: string, report: Report): void {
  list(statements).forEach((st, i) => {
    if (!isObject(st) || st.Effect === "Deny") return;
    const at = [...path, i];
    const actions = list(st.Action).filter((a): a is string => typeof a === "string");
    if (st.NotAction !== undefined)
      report("iac/iam-wildcard-action", [...at, "NotAction"], `${owner}: Allow with NotAction grants every action not listed`);
    const wild = actions.find((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a));
    if (wild) report("iac/iam-wildcard-action", [...at, "Action"], `${owner}: statement allows ${wild}`);
    const anyResource = list(st.Resource).some((r) => r === "*") || st.NotResource !== undefined;
    if (anyResource && !(actions.length > 0 && actions.every((a) => RESOURCE_LESS.test(a))))
      report("iac/iam-wildcard-resource", [...at, st.NotResource !== undefined ? "NotResource" : "Resource"], `${owner}: statement applies to every resource`);
  });
}

/** A policy document `{ Statement: [...] }` (also accepted: a bare statement list). */
export function lintPolicyDocument(doc: unknown, path: FieldPath, owner: string, report: Report): void {
  if (isObject(doc)) lintStatements(doc.Statement, [...path, "Statement"], owner, report);
  else if (Array.isArray(doc)) lintStatements(doc, path, owner, report);
}

export function lintManagedPolicy(name: unknown, path: FieldPath, owner: string, report: Report): void {
  if (typeof name === "string" && BROAD_MANAGED.test(name))
    report("iac/iam-wildcard-action", path, `${owner}: managed policy ${name} grants whole services`);
}

/** CloudFormation IAM resources anywhere in a template's Resources. */
export function lintIamResources(resources: unknown, base: FieldPath, report: Report): void {
  if (!isObject(resources)) return;
  for (const [id, res] of Object.entries(resources)) {
    if (!isObject(res) || !isObject(res.Properties)) continue;
    const props = res.Properties;
    const at = [...base, id, "Properties"];
    if (res.Type === "AWS::IAM::Role") {
      list(props.Policies).forEach((p, i) => {
        if (isObject(p)) lintPolicyDocument(p.PolicyDocument, [...at, "Policies", i, "PolicyDocument"], id, report);
      });
      list(props.ManagedPolicyArns).forEach((arn, i) => lintManagedPolicy(arn, [...at, "ManagedPolicyArns", i], id, report));
    } else if (res.Type === "AWS::IAM::Policy" || res.Type === "AWS::IAM::ManagedPolicy") {
      lintPolicyDocument(props.PolicyDocument, [...at, "PolicyDocument"], id, report);
    }
  }
}

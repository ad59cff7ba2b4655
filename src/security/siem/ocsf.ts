// Security events and audit records as OCSF 1.1.0 events (https://schema.ocsf.io/1.1.0/).
// Class per kind of signal:
//   auth.*                      → Authentication (3002), activity Logon
//   rate.limited, ip.denied     → HTTP Activity (4002), activity from the HTTP method, action Denied
//   capability.denied           → API Activity (6003): a function's call to the broker was refused
//   audit records               → API Activity (6003): control-plane actions and sensitive reads
//   everything else (waf.match, sandbox.escape, audit.tampered, anomalies) → Detection Finding (2004)
// Pure: the same item always gives the same event, so a redelivery is an exact duplicate.

import { isIP } from "node:net";
import {
  isAuditRecord, itemId, itemSeverity, outcomeStatus,
  type AuditRecordLike, type SecurityEvent, type Severity, type SiemItem,
} from "../events.ts";
import { PRODUCT_NAME, VENDOR_NAME, actionVerb, auditClientIp, detailString, splitRoute, type FormatOptions } from "./product.ts";

export const OCSF_SCHEMA_VERSION = "1.1.0";

export interface OcsfEvent {
  class_uid: number;
  category_uid: number;
  activity_id: number;
  type_uid: number;
  severity_id: number;
  time: number;
  message: string;
  metadata: {
    product: { name: string; vendor_name: string; version: string };
    version: string;
    uid: string;
    [key: string]: unknown;
  };
  [attribute: string]: unknown;
}

export const OCSF_CLASSES = {
  authentication: { uid: 3002, name: "Authentication", category: 3, categoryName: "Identity & Access Management" },
  detectionFinding: { uid: 2004, name: "Detection Finding", category: 2, categoryName: "Findings" },
  httpActivity: { uid: 4002, name: "HTTP Activity", category: 4, categoryName: "Network Activity" },
  apiActivity: { uid: 6003, name: "API Activity", category: 6, categoryName: "Application Activity" },
} as const;
type OcsfClass = (typeof OCSF_CLASSES)[keyof typeof OCSF_CLASSES];

const SEVERITY_ID: Record<Severity, [number, string]> = {
  info: [1, "Informational"],
  low: [2, "Low"],
  medium: [3, "Medium"],
  high: [4, "High"],
  critical: [5, "Critical"],
};

// Lookups keyed by strings from events are Maps, so a type or method such as "constructor" or
// "__proto__" can never reach Object.prototype.
// HTTP Activity activity_id per method (OCSF 1.1.0 http_activity).
const HTTP_ACTIVITY = new Map(Object.entries({ CONNECT: 1, DELETE: 2, GET: 3, HEAD: 4, OPTIONS: 5, POST: 6, PUT: 7, TRACE: 8, PATCH: 9 }));

const API_ACTIVITY = { create: [1, "Create"], read: [2, "Read"], update: [3, "Update"], delete: [4, "Delete"], unknown: [0, "Unknown"] } as const;

const DENIAL_STATUS = new Map([["rate.limited", 429], ["ip.denied", 403]]);

export function toOcsf(item: SiemItem, options: FormatOptions): OcsfEvent {
  if (isAuditRecord(item)) return auditRecord(item, options);
  if (item.type.startsWith("auth.")) return authentication(item, options);
  if (DENIAL_STATUS.has(item.type)) return httpDenial(item, options);
  if (item.type === "capability.denied") return capabilityDenied(item, options);
  return detectionFinding(item, options);
}

function authentication(e: SecurityEvent, o: FormatOptions): OcsfEvent {
  const failed = e.type === "auth.failure";
  return {
    ...base(e, OCSF_CLASSES.authentication, 1, "Logon", o),
    ...status(e.type === "auth.success" ? "success" : failed ? "failure" : "other", e.type),
    status_detail: detailString(e.details, "code") ?? e.reason,
    // `user` is required: the subject that tried to authenticate, "unknown" when no credential named one.
    user: e.principal !== undefined ? { uid: e.principal, name: e.principal } : { name: "unknown" },
    service: { name: PRODUCT_NAME },
    is_remote: true,
    logon_type_id: 3,
    logon_type: "Network",
    ...endpoint(e),
    ...httpRequest(e),
  };
}

function httpDenial(e: SecurityEvent, o: FormatOptions): OcsfEvent {
  const { method } = splitRoute(e.route);
  const httpMethod = detailString(e.details, "method")?.toUpperCase() ?? method;
  const activityId = httpMethod !== undefined ? (HTTP_ACTIVITY.get(httpMethod) ?? 99) : 0;
  const activityName = activityId === 0 ? "Unknown" : activityId === 99 ? httpMethod! : capitalize(httpMethod!);
  return {
    ...base(e, OCSF_CLASSES.httpActivity, activityId, activityName, o),
    ...status("failure"),
    ...denied(),
    ...endpoint(e),
    dst_endpoint: { svc_name: PRODUCT_NAME },
    http_request: { ...httpRequest(e).http_request, ...(httpMethod !== undefined ? { http_method: httpMethod } : {}) },
    http_response: { code: DENIAL_STATUS.get(e.type)! },
    ...(e.principal !== undefined ? { actor: { user: { uid: e.principal, name: e.principal } } } : {}),
  };
}

function capabilityDenied(e: SecurityEvent, o: FormatOptions): OcsfEvent {
  const operation = detailString(e.details, "operation") ?? detailString(e.details, "capability") ?? "capability";
  const [activityId, activityName] = API_ACTIVITY[actionVerb(operation)];
  const target = detailString(e.details, "target");
  return {
    ...base(e, OCSF_CLASSES.apiActivity, activityId, activityName, o),
    ...status("failure"),
    ...denied(),
    actor: e.function !== undefined ? { app_name: e.function } : principalActor(e.principal),
    api: { operation, service: { name: `${PRODUCT_NAME} broker` } },
    // src_endpoint is required: the sandbox of the calling function when no network address applies.
    src_endpoint: sourceIp(e.clientIp) ?? { svc_name: e.function ?? PRODUCT_NAME },
    ...(target !== undefined ? { resources: [{ name: target }] } : {}),
  };
}

function detectionFinding(e: SecurityEvent, o: FormatOptions): OcsfEvent {
  const severity = itemSeverity(e);
  const evidence = { ...endpoint(e), ...(e.principal !== undefined ? { actor: principalActor(e.principal) } : {}) };
  const resources = [
    ...(e.route !== undefined ? [{ type: "route", name: e.route }] : []),
    ...(e.function !== undefined ? [{ type: "function", name: e.function }] : []),
  ];
  return {
    ...base(e, OCSF_CLASSES.detectionFinding, 1, "Create", o),
    // Findings carry a lifecycle status, not an outcome: every exported finding is new.
    status_id: 1,
    status: "New",
    is_alert: severity !== "info" && severity !== "low",
    finding_info: {
      uid: e.id,
      title: e.type,
      desc: e.reason,
      types: [e.type],
      created_time: epochMs(e.time),
      ...(e.ruleId !== undefined ? { analytic: { uid: e.ruleId, name: e.ruleId, type_id: 1, type: "Rule" } } : {}),
    },
    ...(Object.keys(evidence).length > 0 ? { evidences: [evidence] } : {}),
    ...(resources.length > 0 ? { resources } : {}),
  };
}

function auditRecord(r: AuditRecordLike, o: FormatOptions): OcsfEvent {
  const [activityId, activityName] = API_ACTIVITY[actionVerb(r.action)];
  const ip = sourceIp(auditClientIp(r));
  const [targetType, targetName] = splitTarget(r.target);
  const event = base(r, OCSF_CLASSES.apiActivity, activityId, activityName, o);
  event.metadata["sequence"] = r.seq;
  return {
    ...event,
    ...status(outcomeStatus(r.outcome), r.outcome),
    actor: auditActor(r.actor),
    api: { operation: r.action, service: { name: PRODUCT_NAME } },
    src_endpoint: ip ?? { svc_name: r.actor.type === "function" ? r.actor.id : PRODUCT_NAME },
    resources: [{ name: targetName, ...(targetType !== undefined ? { type: targetType } : {}) }],
  };
}

function base(item: SiemItem, cls: OcsfClass, activityId: number, activityName: string, o: FormatOptions): OcsfEvent {
  const [severityId, severityName] = SEVERITY_ID[itemSeverity(item)];
  const audit = isAuditRecord(item);
  const requestId = item.requestId ?? undefined;
  const details = item.details ?? undefined;
  const unmapped = {
    ...(audit ? { actor_type: item.actor.type, ...(item.hash !== undefined ? { record_hash: item.hash } : {}) } : { event_type: item.type }),
    ...(!audit && item.ruleId !== undefined ? { rule_id: item.ruleId } : {}),
    ...(details !== undefined && Object.keys(details).length > 0 ? { details } : {}),
  };
  return {
    class_uid: cls.uid,
    class_name: cls.name,
    category_uid: cls.category,
    category_name: cls.categoryName,
    activity_id: activityId,
    activity_name: activityName,
    type_uid: cls.uid * 100 + activityId,
    type_name: `${cls.name}: ${activityName}`,
    severity_id: severityId,
    severity: severityName,
    time: epochMs(item.time),
    message: audit ? `${item.actor.type} ${item.actor.id} ${item.action} ${item.target}: ${item.outcome}` : item.reason,
    metadata: {
      product: { name: PRODUCT_NAME, vendor_name: VENDOR_NAME, version: o.productVersion },
      version: OCSF_SCHEMA_VERSION,
      uid: itemId(item),
      log_name: audit ? "audit" : "security",
      ...(requestId !== undefined ? { correlation_uid: requestId } : {}),
    },
    unmapped,
  };
}

function status(s: "success" | "failure" | "other", label?: string): { status_id: number; status: string } {
  if (s === "success") return { status_id: 1, status: "Success" };
  if (s === "failure") return { status_id: 2, status: "Failure" };
  return { status_id: 99, status: label ?? "Other" };
}

/** security_control profile: the platform refused the request. */
function denied(): Record<string, unknown> {
  return { action_id: 2, action: "Denied", disposition_id: 2, disposition: "Blocked" };
}

function endpoint(e: SecurityEvent): { src_endpoint?: { ip: string } } {
  const ip = sourceIp(e.clientIp);
  return ip !== undefined ? { src_endpoint: ip } : {};
}

/** Only a well-formed address goes in an `ip` attribute; OCSF consumers index it as an IP type. */
function sourceIp(ip: string | undefined): { ip: string } | undefined {
  return ip !== undefined && isIP(ip) !== 0 ? { ip } : undefined;
}

function httpRequest(e: SecurityEvent): { http_request?: Record<string, unknown> } {
  const { method, path } = splitRoute(e.route);
  if (path === undefined && e.requestId === undefined) return {};
  return {
    http_request: {
      ...(e.requestId !== undefined ? { uid: e.requestId } : {}),
      ...(method !== undefined ? { http_method: method } : {}),
      ...(path !== undefined ? { url: { path } } : {}),
    },
  };
}

function principalActor(principal: string | undefined): Record<string, unknown> {
  return principal !== undefined ? { user: { uid: principal, name: principal } } : { user: { name: "unknown" } };
}

// OCSF user.type_id: 0 Unknown, 1 User, 3 System, 99 Other (API keys keep their label).
const USER_TYPE_ID = new Map([["user", 1], ["platform", 3], ["system", 3], ["anonymous", 0]]);

function auditActor(actor: AuditRecordLike["actor"]): Record<string, unknown> {
  if (actor.type === "function") return { app_name: actor.id };
  const typeId = USER_TYPE_ID.get(actor.type) ?? 99;
  return { user: { uid: actor.id, name: actor.id, type_id: typeId, type: actor.type } };
}

/** "secret:PSP_API_KEY" → ["secret", "PSP_API_KEY"]; a target without a kind keeps its name. */
function splitTarget(target: string): [string | undefined, string] {
  const i = target.indexOf(":");
  return i > 0 ? [target.slice(0, i), target.slice(i + 1)] : [undefined, target];
}

function epochMs(time: string): number {
  const t = Date.parse(time);
  return Number.isFinite(t) ? t : 0;
}

function capitalize(s: string): string {
  return s.charAt(0) + s.slice(1).toLowerCase();
}

// Security events and audit records as ArcSight CEF (Common Event Format, revision 25):
//   CEF:0|Bulwark|Bulwark|<version>|<signature id>|<name>|<severity 0-10>|<extension>
// Every value that can carry attacker text (reasons, routes, principals, details) is escaped so it
// can neither end the header early, forge an extension key, nor start a new log line (CWE-117).
// Pure: the same item always gives the same line.

import { isIP } from "node:net";
import { isAuditRecord, itemId, itemSeverity, type AuditRecordLike, type SecurityEvent, type Severity, type SiemItem } from "../events.ts";
import { PRODUCT_NAME, VENDOR_NAME, auditClientIp, detailString, splitRoute, type FormatOptions } from "./product.ts";

// CEF severity: 0-3 low, 4-6 medium, 7-8 high, 9-10 very high.
const CEF_SEVERITY: Record<Severity, number> = { info: 1, low: 3, medium: 5, high: 8, critical: 10 };

// Maps, not object literals: an event type such as "constructor" must not reach Object.prototype.
const EVENT_NAMES = new Map([
  ["auth.failure", "Authentication failed"],
  ["waf.match", "WAF rule matched"],
  ["rate.limited", "Rate limit exceeded"],
  ["ip.denied", "IP address denied"],
  ["capability.denied", "Capability call denied"],
  ["sandbox.escape", "Sandbox escape attempt"],
  ["audit.tampered", "Audit log tampering detected"],
]);

// What the platform did, for event types whose outcome is certain (CEF act / outcome).
const REFUSALS = new Map([
  ["auth.failure", "denied"],
  ["ip.denied", "blocked"],
  ["rate.limited", "blocked"],
  ["capability.denied", "denied"],
]);

// Most CEF string keys hold 1023 characters; custom strings (cs1..cs6) hold 4000.
const MAX_VALUE = 1023;
const MAX_DETAILS = 2000;

type Extension = Array<[key: string, value: string | number | undefined]>;

export function toCef(item: SiemItem, options: FormatOptions): string {
  const severity = CEF_SEVERITY[itemSeverity(item)];
  const [signatureId, name, extension] = isAuditRecord(item) ? audit(item) : event(item);
  const header = ["CEF:0", VENDOR_NAME, PRODUCT_NAME, options.productVersion, signatureId, name, String(severity)]
    .map((field, i) => (i === 0 ? field : escapeCefHeader(field)))
    .join("|");
  return `${header}|${formatExtension(extension)}`;
}

function event(e: SecurityEvent): [string, string, Extension] {
  const { method, path } = splitRoute(e.route);
  const act = detailString(e.details, "action") ?? REFUSALS.get(e.type);
  return [e.type, EVENT_NAMES.get(e.type) ?? e.type, [
    ["rt", epochMs(e.time)],
    ["externalId", e.id],
    ["cat", e.type],
    ["msg", e.reason],
    ...address(e.clientIp),
    ["suser", e.principal],
    ["requestMethod", method],
    ["request", path],
    ["act", act],
    ["outcome", REFUSALS.has(e.type) ? "failure" : undefined],
    ...labelled("cs1", "ruleId", e.ruleId),
    ...labelled("cs2", "function", e.function),
    ...labelled("cs3", "requestId", e.requestId),
    ...labelled("cs6", "details", detailsJson(e.details)),
  ]];
}

function audit(r: AuditRecordLike): [string, string, Extension] {
  return [`audit:${r.action}`, `Audit: ${r.action}`, [
    ["rt", epochMs(r.time)],
    ["externalId", itemId(r)],
    ["cat", "audit"],
    ["msg", `${r.actor.type} ${r.actor.id} ${r.action} ${r.target}: ${r.outcome}`],
    ...address(auditClientIp(r)),
    ["suser", r.actor.id],
    ["act", r.action],
    ["outcome", r.outcome],
    ...labelled("cn1", "sequence", r.seq),
    ...labelled("cs1", "recordHash", r.hash),
    ...labelled("cs3", "requestId", r.requestId ?? undefined),
    ...labelled("cs4", "target", r.target),
    ...labelled("cs5", "actorType", r.actor.type),
    ...labelled("cs6", "details", detailsJson(r.details ?? undefined)),
  ]];
}

/** `src` is an IPv4 field in CEF; IPv6 goes to the IPv6 custom address c6a2. Non-addresses are dropped. */
function address(ip: string | undefined): Extension {
  if (ip === undefined) return [];
  const family = isIP(ip);
  if (family === 4) return [["src", ip]];
  if (family === 6) return labelled("c6a2", "Source IPv6 Address", ip);
  return [];
}

function labelled(key: string, label: string, value: string | number | undefined): Extension {
  return value === undefined ? [] : [[key, value], [`${key}Label`, label]];
}

function detailsJson(details: Record<string, unknown> | undefined): string | undefined {
  if (details === undefined || Object.keys(details).length === 0) return undefined;
  return truncate(JSON.stringify(details), MAX_DETAILS);
}

function formatExtension(extension: Extension): string {
  return extension
    .filter((pair): pair is [string, string | number] => pair[1] !== undefined)
    .map(([key, value]) => `${key}=${escapeCefExtensionValue(truncate(String(value), key === "cs6" ? MAX_DETAILS : MAX_VALUE))}`)
    .join(" ");
}

// C0 controls other than CR/LF, DEL, and the Unicode line/paragraph separators and NEL, which
// some receivers treat as line breaks.
const OTHER_CONTROLS = /[\u0000-\u0009\u000B\u000C\u000E-\u001F\u007F\u0085\u2028\u2029]/g;

/** Header fields: `\` and `|` are escaped (CEF spec, "Character Encoding"); a header is one line. */
export function escapeCefHeader(value: string): string {
  return value
    .toWellFormed()
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/\r\n|\r|\n/g, " ")
    .replace(OTHER_CONTROLS, " ");
}

/** Extension values: `\` and `=` are escaped; LF and CR become the two characters `\n` and `\r`. */
export function escapeCefExtensionValue(value: string): string {
  return value
    .toWellFormed()
    .replace(/\\/g, "\\\\")
    .replace(/=/g, "\\=")
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(OTHER_CONTROLS, " ");
}

function truncate(s: string, max: number): string {
  return s.length <= max ? s : s.slice(0, max).toWellFormed();
}

function epochMs(time: string): number | undefined {
  const t = Date.parse(time);
  return Number.isFinite(t) ? t : undefined;
}

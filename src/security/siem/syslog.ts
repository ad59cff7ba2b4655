// CEF lines wrapped in RFC 5424 syslog messages, framed for TCP/TLS with RFC 6587 octet counting.
//
//   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [origin software="Bulwark" swVersion="…"] CEF:0|…
//
// Facility (RFC 5424 §6.2.1, table 1): audit records go to 13 "log audit", security events to
// 10 "security/authorization (authpriv)", so a collector can route the two streams apart.
// Octet counting (RFC 6587 §3.4.1, also RFC 5425 §4.3) makes framing independent of the message
// content; the CEF escaping still keeps every message on one line for receivers that split on LF.

import { isAuditRecord, itemSeverity, type Severity, type SiemItem } from "../events.ts";
import { toCef } from "./cef.ts";
import { PRODUCT_NAME, type FormatOptions } from "./product.ts";

export const FACILITY_AUTHPRIV = 10;
export const FACILITY_LOG_AUDIT = 13;

// RFC 5424 §6.2.1, table 2.
const SYSLOG_SEVERITY: Record<Severity, number> = { critical: 2, high: 3, medium: 4, low: 5, info: 6 };

export interface SyslogOptions extends FormatOptions {
  /** HOSTNAME field; this host's name. */
  hostname: string;
  /** PROCID field; the platform's pid. */
  procId?: string;
}

export interface SyslogFields {
  facility: number;
  severity: number;
  /** ISO time, rendered as an RFC 3339 TIMESTAMP or "-" if it does not parse. */
  time: string;
  hostname: string;
  appName: string;
  procId: string;
  msgId: string;
  structuredData: string;
  msg: string;
}

/** One security event or audit record as a complete RFC 5424 message carrying CEF. */
export function toSyslogCef(item: SiemItem, options: SyslogOptions): string {
  const audit = isAuditRecord(item);
  return formatSyslog({
    facility: audit ? FACILITY_LOG_AUDIT : FACILITY_AUTHPRIV,
    severity: SYSLOG_SEVERITY[itemSeverity(item)],
    time: item.time,
    hostname: options.hostname,
    appName: "bulwark",
    procId: options.procId ?? "-",
    msgId: audit ? "audit" : item.type,
    structuredData: `[origin software="${sdParamValue(PRODUCT_NAME)}" swVersion="${sdParamValue(header(options.productVersion, 32))}"]`,
    msg: toCef(item, options),
  });
}

/** RFC 5424 §6: HEADER SP STRUCTURED-DATA SP MSG, header fields limited to PRINTUSASCII. */
export function formatSyslog(f: SyslogFields): string {
  const pri = f.facility * 8 + f.severity;
  const t = Date.parse(f.time);
  const timestamp = Number.isFinite(t) ? new Date(t).toISOString() : "-";
  return [
    `<${pri}>1`,
    timestamp,
    header(f.hostname, 255),
    header(f.appName, 48),
    header(f.procId, 128),
    header(f.msgId, 32),
    f.structuredData === "" ? "-" : f.structuredData,
    f.msg,
  ].join(" ");
}

/** RFC 6587 §3.4.1: MSG-LEN SP SYSLOG-MSG, where MSG-LEN counts octets, not characters. */
export function frameOctetCounted(message: string): Buffer {
  const body = Buffer.from(message.toWellFormed(), "utf8");
  return Buffer.concat([Buffer.from(`${body.length} `, "ascii"), body]);
}

/** Header fields are 1..max PRINTUSASCII (%d33-126); anything else is replaced, empty is NILVALUE. */
function header(value: string, max: number): string {
  const clean = value.replace(/[^\x21-\x7e]/g, "_").slice(0, max);
  return clean === "" ? "-" : clean;
}

/** RFC 5424 §6.3.3: inside PARAM-VALUE, `"`, `\` and `]` must be escaped. */
function sdParamValue(value: string): string {
  return value.replace(/["\\\]]/g, (c) => `\\${c}`);
}

// What Bulwark calls itself in exported events, the options every formatter takes, and the small
// readings of an item that both formats share.

import { isIP } from "node:net";
import type { AuditRecordLike } from "../events.ts";

export const PRODUCT_NAME = "Bulwark";
export const VENDOR_NAME = "Bulwark";

/** The product version the CLI passes in; this default only keeps formatters total. */
export const DEFAULT_PRODUCT_VERSION = "0.1.0";

export interface FormatOptions {
  /** Bulwark's own version (CEF Device Version, OCSF metadata.product.version). */
  productVersion: string;
}

/**
 * Where an audited action came from, when known: details.clientIp, or the address that an
 * anonymous actor is identified by. Only well-formed addresses are returned.
 */
export function auditClientIp(r: AuditRecordLike): string | undefined {
  const ip = detailString(r.details, "clientIp") ?? (r.actor.type === "anonymous" ? r.actor.id : undefined);
  return ip !== undefined && isIP(ip) !== 0 ? ip : undefined;
}

/** Splits a route as the edge reports it ("POST /charge" or "/charge"). */
export function splitRoute(route: string | undefined): { method?: string; path?: string } {
  if (route === undefined || route === "") return {};
  const m = /^([A-Za-z]+) (\/.*)$/.exec(route);
  if (m !== null) return { method: m[1]!.toUpperCase(), path: m[2]! };
  return { path: route };
}

/** A string member of details, if it is one. Details are free-form, so every read is checked. */
export function detailString(details: Record<string, unknown> | null | undefined, key: string): string | undefined {
  const v = details?.[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

/**
 * The CRUD verb of an action name ("secret.read", "deploy", "key.revoke"), read from its last
 * word that names one. Used for OCSF API Activity activity_id.
 */
export function actionVerb(action: string): "create" | "read" | "update" | "delete" | "unknown" {
  const words = action.toLowerCase().split(/[^a-z]+/).reverse();
  for (const w of words) {
    if (CREATE.has(w)) return "create";
    if (READ.has(w)) return "read";
    if (UPDATE.has(w)) return "update";
    if (DELETE.has(w)) return "delete";
  }
  return "unknown";
}

const CREATE = new Set(["create", "add", "set", "put", "deploy", "issue", "register", "import", "invite", "enroll", "write"]);
const READ = new Set(["read", "get", "list", "query", "export", "verify", "view", "show", "download", "fetch"]);
const UPDATE = new Set([
  "update", "rotate", "rollback", "release", "quarantine", "change", "enable", "disable", "grant",
  "modify", "patch", "promote", "block", "unblock", "reset",
]);
const DELETE = new Set(["delete", "remove", "revoke", "destroy", "purge", "drop"]);

// The audit trail: query, verify, export a checkpoint. Every call is itself audited (api.ts) as
// `audit.read`: reading the trail leaves a trace in it.
import { parseCheckpoint, type AuditQuery } from "../../security/audit/index.ts";
import { checkSafely, type AuditCheck } from "../audit-file.ts";
import type { Platform } from "../platform.ts";
import type { ControlRoute } from "../route.ts";

export const auditRoutes: ControlRoute[] = [
  {
    method: "GET",
    pattern: /^\/v1\/audit$/,
    action: "audit.read",
    target: () => "audit",
    handle: (r) => r.platform.audit.query(queryOf(r.url.searchParams)),
  },
  {
    method: "POST",
    pattern: /^\/v1\/audit\/verify$/,
    action: "audit.read",
    target: () => "audit",
    handle: async (r) => {
      const body = (await r.body(16 * 1024)) as { checkpoint?: unknown };
      return verify(r.platform, body.checkpoint, r.requestId);
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/audit\/checkpoint$/,
    action: "audit.read",
    target: () => "audit",
    handle: (r) => r.platform.audit.exportCheckpoint(),
  },
];

/** Verifies the whole chain against the platform's key; a failure is a critical security event. */
function verify(platform: Platform, checkpoint: unknown, requestId: string): AuditCheck {
  const trusted = checkpoint === undefined || checkpoint === null ? undefined : parseCheckpoint(checkpoint);
  const result = checkSafely(() => platform.audit.verify(trusted === undefined ? undefined : { trustedCheckpoint: trusted }));
  if (!result.ok) {
    platform.events.record({
      type: "audit.tampered",
      severity: "critical",
      reason: `audit log verification failed: ${result.problem} at seq ${result.seq}`,
      requestId,
      details: { problem: result.problem, seq: result.seq, detail: result.detail },
    });
  }
  return result;
}

/** Query parameters as sent by `bulwark audit query`; AuditQueries validates every value. */
function queryOf(p: URLSearchParams): AuditQuery {
  const q: AuditQuery = {};
  const actorType = p.get("actorType");
  const actorId = p.get("actorId");
  if (actorType !== null || actorId !== null) {
    q.actor = {};
    if (actorType !== null) q.actor.type = actorType as NonNullable<AuditQuery["actor"]>["type"];
    if (actorId !== null) q.actor.id = actorId;
  }
  for (const key of ["action", "target", "since", "until"] as const) {
    const value = p.get(key);
    if (value !== null) q[key] = value;
  }
  const limit = p.get("limit");
  if (limit !== null) q.limit = Number(limit);
  const after = p.get("after");
  if (after !== null) q.afterSeq = Number(after);
  return q;
}

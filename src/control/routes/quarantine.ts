// Quarantine and release of one function in one stage (`?stage=dev|prod`, default prod):
// quarantine.set, and quarantine.release, which needs a fresh MFA check (core/people/roles.ts).
// api.ts audits both with the stage; the reason goes into the record's details.
import { BulwarkError } from "../../core/errors.ts";
import { everyStage, type ControlRequest, type ControlRoute } from "../route.ts";

const MAX_REASON = 500;

export const quarantineRoutes: ControlRoute[] = [
  {
    method: "POST",
    pattern: /^\/v1\/functions\/([^/]+)\/quarantine$/,
    action: everyStage("quarantine.set"),
    target: (r) => `function:${r.params[0]}`,
    handle: async (r) => {
      const fn = r.params[0]!;
      const reason = reasonOf(await r.body(4096));
      r.platform.stage(r.stage).servingSpec(fn); // throws when none serves
      r.audit.details = { reason };
      return r.platform.quarantine.set(r.stage, fn, reason, r.actor.id);
    },
  },
  {
    method: "POST",
    pattern: /^\/v1\/functions\/([^/]+)\/release$/,
    action: everyStage("quarantine.release"),
    target: (r) => `function:${r.params[0]}`,
    handle: (r: ControlRequest) => {
      const released = r.platform.quarantine.release(r.stage, r.params[0]!);
      r.audit.details = { quarantinedBy: released.by, quarantinedAt: released.at, reason: released.reason };
      return { ...released, releasedBy: r.actor.id };
    },
  },
];

function reasonOf(body: unknown): string {
  const reason = (body as { reason?: unknown }).reason;
  if (reason === undefined) return "no reason given";
  // Printed on operators' terminals and kept in the audit trail: one line of visible text.
  if (typeof reason !== "string" || reason.trim() === "" || reason.length > MAX_REASON || /[\p{Cc}\p{Cf}]/u.test(reason)) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `the reason must be one line of 1 to ${MAX_REASON} visible characters`);
  }
  return reason.trim();
}

// Who is calling the control API, once their bearer credential has been checked, and the names
// the people service accepts. Three kinds of caller:
// - a person, through a session from `bulwark login` (roles read from the user row on every call,
//   so a role change or a disable takes effect at once);
// - a CI job, through a token scoped to one role and one stage;
// - the local operator, through the token `bulwark up` writes into the data dir. Anyone who can
//   read the data dir can read the databases and keys in it and is root of the platform already;
//   the token only lets the CLI on that host act as what it is (bootstrap, tests, break-glass).
import type { Actor } from "../../security/audit/index.ts";

export const STAGES = ["dev", "prod"] as const;
export type Stage = (typeof STAGES)[number];

export type Principal =
  | {
      kind: "user";
      name: string;
      roles: string[];
      sessionId: string;
      mfaAt: number | null;
      mfaEnrolled: boolean;
      /** Signed in with a one-time password: only account actions until it is changed. */
      passwordChangeRequired: boolean;
    }
  | { kind: "ci"; id: string; name: string; role: string; stage: Stage }
  | { kind: "local" };

/** The audit actor id of the local operator; user names cannot take this form (see USER_NAME). */
export const LOCAL_OPERATOR = "local-operator";

/**
 * Lower-case letters, digits, "." "_" "-", starting with a letter, at most 32 characters: safe in
 * an audit record, a URL path and an otpauth label (no ":"), and never confusable by case.
 */
export const USER_NAME = /^[a-z][a-z0-9._-]{0,31}$/;
const RESERVED_NAMES: ReadonlySet<string> = new Set([LOCAL_OPERATOR, "platform", "anonymous", "system", "root"]);

export function isUserName(value: unknown): value is string {
  return typeof value === "string" && USER_NAME.test(value) && !RESERVED_NAMES.has(value);
}

export function isStage(value: unknown): value is Stage {
  return typeof value === "string" && (STAGES as readonly string[]).includes(value);
}

export function actorOf(principal: Principal | null, clientIp: string): Actor {
  if (principal === null) return { type: "anonymous", id: clientIp };
  switch (principal.kind) {
    case "user":
      return { type: "user", id: principal.name };
    case "ci":
      return { type: "key", id: `ci:${principal.id}` };
    case "local":
      return { type: "user", id: LOCAL_OPERATOR };
  }
}

// What the people services share: their stores, the clock and where they report.
import type { Logger } from "pino";
import type { AuditLog } from "../../security/audit/index.ts";
import type { SecurityEventRecorder } from "../../security/recorder.ts";
import type { CiTokenStore, SessionStore, UserStore } from "../../store/users.ts";

export interface PeopleDeps {
  users: UserStore;
  sessions: SessionStore;
  ciTokens: CiTokenStore;
  /** Milliseconds since the epoch; tests pass a fake clock. */
  now: () => number;
  audit: Pick<AuditLog, "append">;
  events: Pick<SecurityEventRecorder, "record">;
  log: Pick<Logger, "info" | "warn">;
}

/** Facts about the request a people service reports alongside an audit record or security event. */
export interface RequestFacts {
  clientIp: string;
  requestId: string;
}

// The state port: deployed versions, which version of each function serves, and function logs.
// One interface here; adapters live in sqlite/ (and postgres/ for scale-out).
import type { FunctionSpec } from "../core/manifest/types.ts";
import type { LogLevel } from "../sandbox/protocol.ts";

export interface FunctionVersion {
  app: string;
  function: string;
  version: number;
  bundleHash: string;
  spec: FunctionSpec;
  createdAt: string;
  /** The audit actor id of whoever deployed it (logs.read.own); null for versions made before it was recorded. */
  deployedBy: string | null;
}

export interface DeployOutcome {
  function: string;
  version: number;
  status: "created" | "unchanged" | "removed";
}

export interface LogEntry {
  seq?: number;
  time: string;
  function: string;
  version: number;
  requestId: string | null;
  level: LogLevel;
  message: string;
  /** W3C trace id of the invocation that logged it, when known. */
  traceId?: string | null;
}

export interface StateStore {
  /** The app this platform serves, once something was deployed. */
  appName(): string | undefined;
  /**
   * Records new versions, each naming `deployedBy`, and switches every function at once: all or
   * nothing. `within` runs in the same transaction with the outcomes (what else must be stored
   * with the versions); if it throws, nothing is deployed.
   */
  deploy(
    app: string,
    functions: Array<{ spec: FunctionSpec; bundleHash: string }>,
    deployedBy: string,
    within?: (outcomes: DeployOutcome[]) => void,
  ): DeployOutcome[];
  activeVersions(): FunctionVersion[];
  versions(fn: string): FunctionVersion[];
  /** Makes an existing version the serving one (rollback). */
  activate(fn: string, version: number): FunctionVersion;
  appendLogs(entries: LogEntry[]): void;
  readLogs(fn: string, afterSeq: number, limit: number): LogEntry[];
  close(): void;
}

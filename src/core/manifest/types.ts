// The validated, normalized manifest: what the rest of the platform trusts. Parsing and checking
// happen once at the boundary (parse.ts); nothing downstream re-validates.

export const HTTP_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type AuthMode = "none" | "apiKey" | "jwt";

export interface HttpTrigger {
  kind: "http";
  method: HttpMethod;
  /** Path template: literal segments, `{name}` parameters and a final `{name+}` greedy parameter. */
  path: string;
  auth?: AuthMode;
}

export type Trigger = HttpTrigger;

export interface SandboxSwitches {
  /** May the function start child processes (off by default). */
  childProcesses: boolean;
  /** May the function write its private /tmp (on by default). */
  tmpWrite: boolean;
}

export interface FunctionSpec {
  name: string;
  /** Handler file, relative to the app directory, as written in the manifest. */
  handler: string;
  /** Name of the exported handler function (default `handler`). */
  export: string;
  memoryBytes: number;
  timeoutMs: number;
  /** Most sandboxes of this function alive at once; each runs one invocation at a time. */
  concurrency: number;
  triggers: Trigger[];
  sandbox: SandboxSwitches;
}

export interface Manifest {
  app: string;
  /** Null-prototype object: a lookup by a request-supplied name never reaches Object.prototype. */
  functions: Record<string, FunctionSpec>;
}

export const DEFAULTS = {
  memoryBytes: 128 * 1024 * 1024,
  timeoutMs: 5_000,
  concurrency: 8,
  export: "handler",
  sandbox: { childProcesses: false, tmpWrite: true },
} as const;

export const LIMITS = {
  minMemoryBytes: 64 * 1024 * 1024,
  maxMemoryBytes: 4 * 1024 * 1024 * 1024,
  minTimeoutMs: 100,
  maxTimeoutMs: 15 * 60 * 1000,
  maxConcurrency: 256,
  maxFunctions: 1000,
  maxTriggersPerFunction: 100,
  /** A bulwark.yaml is a few KiB; the cap bounds what one parse may cost (CWE-400). */
  maxManifestBytes: 1024 * 1024,
} as const;

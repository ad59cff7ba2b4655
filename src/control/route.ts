// One control API route: what it matches, the action it performs (the role matrix in
// core/people/roles.ts decides who may), and its handler. Routes live in routes/, one file per
// area; api.ts concatenates them and audits every call.
import type { IncomingMessage } from "node:http";
import type { Action } from "../core/people/roles.ts";
import type { Actor } from "../security/audit/index.ts";
import type { Platform } from "./platform.ts";

export interface ControlRequest {
  platform: Platform;
  /** Decoded capture groups of the route's pattern. */
  params: string[];
  url: URL;
  req: IncomingMessage;
  requestId: string;
  actor: Actor;
  /** The JSON body, read under a size limit (default 1 MiB). */
  body(limitBytes?: number): Promise<unknown>;
}

export interface ControlRoute {
  method: "GET" | "POST" | "PUT" | "DELETE";
  pattern: RegExp;
  /** `null` only for the health check, which is neither authorized nor audited. */
  action: Action | null;
  /** What the audit record names as the target; the path by default. */
  target?(r: ControlRequest): string;
  handle(r: ControlRequest): Promise<unknown> | unknown;
}

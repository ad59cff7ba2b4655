// One control API route: what it matches, the action it performs (the role matrix in
// core/people/roles.ts decides who may), and its handler. Routes live in routes/, one file per
// area; api.ts concatenates them and audits every call.
import type { IncomingMessage } from "node:http";
import type { Action } from "../core/people/roles.ts";
import type { Actor, Details } from "../security/audit/index.ts";
import type { RouteAction } from "./auth/guard.ts";
import type { Principal } from "./auth/principal.ts";
import type { Platform } from "./platform.ts";

export interface ControlRequest {
  platform: Platform;
  /** Decoded capture groups of the route's pattern. */
  params: string[];
  url: URL;
  req: IncomingMessage;
  requestId: string;
  actor: Actor;
  /** Who is calling, once authenticated (auth/principal.ts); null only on the public login route. */
  principal: Principal | null;
  clientIp: string;
  /** What a handler adds to this call's audit record: a better target, facts about the change. */
  audit: { actor?: Actor; target?: string; details?: Details };
  /** For a handler whose call needs a further action in some cases: throws that action's refusal. */
  require(action: Action): void;
  /** The JSON body, read under a size limit (default 1 MiB). */
  body(limitBytes?: number): Promise<unknown>;
}

export interface ControlRoute {
  method: "GET" | "POST" | "PUT" | "DELETE";
  pattern: RegExp;
  /**
   * `null` only for the health check, which is neither authorized nor audited. Account actions
   * (auth.login, mfa.verify, ...) are outside the role matrix: see auth/guard.ts.
   */
  action: RouteAction | null;
  /** What the audit record names as the target; the path by default. */
  target?(r: ControlRequest): string;
  /**
   * A read that machines poll (metrics): authorized like any other, but only its refused or
   * failed calls are audited, so a scraper does not bury the trail under one record per scrape.
   */
  pollable?: true;
  /** A JSON-serializable value, or a TextResponse for a body that is not JSON. */
  handle(r: ControlRequest): Promise<unknown> | unknown;
}

/** A handler's answer in a format other than JSON (the Prometheus text format). */
export class TextResponse {
  readonly contentType: string;
  readonly body: string;

  constructor(contentType: string, body: string) {
    this.contentType = contentType;
    this.body = body;
  }
}

// One control API route: what it matches, the action it performs (the role matrix in
// core/people/roles.ts decides who may), and its handler. Routes live in routes/, one file per
// area; api.ts concatenates them, asks route-access.ts which action a request is, and audits
// every call.
import type { IncomingMessage } from "node:http";
import type { Action } from "../core/people/roles.ts";
import type { Actor, Details } from "../security/audit/index.ts";
import type { RouteAction } from "./auth/guard.ts";
import type { Principal, Stage } from "./auth/principal.ts";
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
  /** The stage a staged route acts on (`?stage=dev|prod`, default prod), set by route-access.ts. */
  stage: Stage;
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
   * (auth.login, mfa.verify, ...) are outside the role matrix: see auth/guard.ts. A route about
   * one stage's functions or data names its action per stage: the request picks the stage.
   */
  action: RouteAction | null | StagedAction;
  /**
   * For a read that callers may also make of what they own (logs.read.own): a caller whose roles
   * do not grant `action` is asked for `own.action`, with ownsTarget when `own.owner` (the audit
   * actor id of whoever owns the target, or null) is the caller.
   */
  own?: { action: Action; owner(r: ControlRequest): string | null };
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

/** The action of a staged route in each stage: POST /v1/deploy is deploy.dev or deploy.prod. */
export type StagedAction = Readonly<Record<Stage, Action>>;

/**
 * A staged route whose action is the same in every stage: the stage still reaches the role matrix
 * (a developer's functions.list holds in dev only) and a CI token's scope (its stage only).
 */
export function everyStage(action: Action): StagedAction {
  return { dev: action, prod: action };
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

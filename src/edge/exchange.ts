// One request as it moves through the edge pipeline. Stages read what earlier stages settled and
// add their own part; a refusal is a thrown BulwarkError.
import type { IncomingMessage } from "node:http";
import type { Context } from "@opentelemetry/api";
import type { Invoker } from "../invoker/invoker.ts";
import type { EventSink } from "./auth/refusals.ts";
import type { EdgeAuth, Principal } from "./auth/principal.ts";
import type { EdgeObserver } from "./observe.ts";
import type { Router, RouteMatch } from "./router.ts";
import type { ParsedBody } from "./body.ts";
import type { EdgeShield } from "./shield.ts";
import type { ClientAddress } from "./client-ip.ts";

export interface EdgeResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export interface Exchange {
  readonly req: IncomingMessage;
  readonly requestId: string;
  /** client.ip: the one part of the client that refusals name, also for requests never made an Exchange. */
  readonly clientIp: string;
  /** Who the client is and the way it came, as far as trusted proxies vouch (client-ip.ts). */
  readonly client: ClientAddress;
  readonly method: string;
  /** Raw path and query exactly as received (before any decoding). */
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly receivedAt: Date;
  route?: RouteMatch;
  /** Who authenticate proved the caller to be; unset on `auth: none` routes. */
  principal?: Principal;
  /** The request's tenant, for a function with `isolation: tenant` (stages/resolve-tenant.ts). */
  tenant?: string;
  body?: Buffer;
  /** The body read by its media type (parseBody): what the WAF inspects and the input schema validates. */
  parsedBody?: ParsedBody;
  response?: EdgeResponse;
  /** Trace context of the stage now running: what a stage that calls out passes on. */
  trace?: Context;
}

/** What the stages share: the current routing table and the invoker. */
export interface EdgeDeps {
  app(): string;
  /** The platform stage this listener serves ("prod" or "dev"): the event's requestContext.stage. */
  stage: string;
  router(): Router;
  invoker: Invoker;
  bodyLimitBytes: number;
  /** Spans per stage and per-request metrics (edge/observe.ts). */
  observe: EdgeObserver;
  auth: EdgeAuth;
  events: EventSink;
  /** IP lists, rate limits, WAF and per-route input rules (edge/shield.ts). */
  shield: EdgeShield;
}

export type Stage = (x: Exchange, deps: EdgeDeps) => void | Promise<void>;

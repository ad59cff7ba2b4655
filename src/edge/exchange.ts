// One request as it moves through the edge pipeline. Stages read what earlier stages settled and
// add their own part; a refusal is a thrown BulwarkError.
import type { IncomingMessage } from "node:http";
import type { Invoker } from "../invoker/invoker.ts";
import type { Router, RouteMatch } from "./router.ts";

export interface EdgeResponse {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

export interface Exchange {
  readonly req: IncomingMessage;
  readonly requestId: string;
  readonly clientIp: string;
  readonly method: string;
  /** Raw path and query exactly as received (before any decoding). */
  readonly rawPath: string;
  readonly rawQuery: string;
  readonly receivedAt: Date;
  route?: RouteMatch;
  body?: Buffer;
  response?: EdgeResponse;
}

/** What the stages share: the current routing table and the invoker. */
export interface EdgeDeps {
  app(): string;
  router(): Router;
  invoker: Invoker;
  bodyLimitBytes: number;
}

export type Stage = (x: Exchange, deps: EdgeDeps) => void | Promise<void>;

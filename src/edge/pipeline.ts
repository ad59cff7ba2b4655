// The edge pipeline, in order. Each stage is one small file with one job; this list is the only
// place the order is written.
import type { Stage } from "./exchange.ts";
import { invokeFunction } from "./stages/invoke-function.ts";
import { matchRoute } from "./stages/match-route.ts";
import { readBody } from "./stages/read-body.ts";

export const PIPELINE: readonly Stage[] = [matchRoute, readBody, invokeFunction];

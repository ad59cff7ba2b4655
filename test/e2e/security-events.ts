// Reads a running platform's security events through its control API (what `bulwark events`
// calls), as the local operator: faster than spawning the CLI for every assertion.
import { ControlClient } from "../../src/control/client.ts";
import type { SecurityEvent } from "../../src/security/events.ts";
import type { RunningPlatform } from "./harness.ts";

export type RecordedEvent = SecurityEvent & { seq: number };

export async function securityEvents(p: RunningPlatform, type?: string): Promise<RecordedEvent[]> {
  const query = new URLSearchParams({ limit: "5000", ...(type === undefined ? {} : { type }) });
  return ControlClient.fromDataDir(p.dataDir).request<RecordedEvent[]>("GET", `/v1/events?${query}`);
}

/** The event a refused response's request id points to. */
export async function eventOf(p: RunningPlatform, res: Response, type?: string): Promise<RecordedEvent | undefined> {
  const requestId = res.headers.get("x-request-id");
  return (await securityEvents(p, type)).find((e) => e.requestId === requestId);
}

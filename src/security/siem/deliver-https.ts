// Delivers a batch of OCSF events to a webhook: one POST of a JSON array with a bearer token.
// The batch counts as delivered only on a 2xx answer; anything else (a refused connection, a
// certificate that does not verify, a 5xx, a 401, a timeout) leaves it in the outbox for a retry.

import https from "node:https";
import type { LookupFunction } from "node:net";

export interface HttpsTarget {
  url: string;
  token: string;
  agent: https.Agent;
  /** Resolves the URL's host and refuses addresses a sink may not reach (destination.ts). */
  lookup: LookupFunction;
}

/** One agent per sink: keeps the connection alive between batches and holds the trust anchors. */
export function httpsAgent(ca: string | undefined): https.Agent {
  // rejectUnauthorized is the default; set explicitly so no environment override can turn it off.
  return new https.Agent({ keepAlive: true, maxSockets: 1, rejectUnauthorized: true, minVersion: "TLSv1.2", ...(ca !== undefined ? { ca } : {}) });
}

export function postBatch(target: HttpsTarget, body: string, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = https.request(target.url, {
      method: "POST",
      agent: target.agent,
      lookup: target.lookup,
      signal,
      headers: {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        authorization: `Bearer ${target.token}`,
      },
    });
    req.on("error", (e) => reject(deliveryError(e)));
    req.on("response", (res) => {
      const code = res.statusCode ?? 0;
      // The answer's body is not needed and may be large: drain it without keeping it.
      res.resume();
      res.on("error", (e) => reject(deliveryError(e)));
      res.on("end", () => (code >= 200 && code < 300 ? resolve() : reject(new Error(`HTTP status ${code}`))));
    });
    req.end(body);
  });
}

/** Keeps the cause's code and message only: never request headers, which hold the token. */
function deliveryError(e: Error & { code?: string }): Error {
  return new Error(e.code !== undefined ? `${e.code}: ${e.message}` : e.message);
}

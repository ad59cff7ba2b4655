// Returns the JSON body it was sent, with its size: a Lambda-style structured response.
import type { HttpEvent, HttpResult } from "bulwark/sdk";

export async function handler(event: HttpEvent): Promise<HttpResult> {
  const text = event.isBase64Encoded ? Buffer.from(event.body ?? "", "base64").toString("utf8") : (event.body ?? "");
  let parsed: unknown;
  try {
    parsed = text === "" ? null : JSON.parse(text);
  } catch {
    return { statusCode: 400, headers: { "content-type": "application/json" }, body: JSON.stringify({ error: "body must be JSON" }) };
  }
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ received: parsed, bytes: Buffer.byteLength(text) }),
  };
}

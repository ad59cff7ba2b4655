// The platform's own log must not carry a secret a function read: a handler that throws
// `new Error("bad key " + secret)` fails with that text, and the edge and control plane log
// failures under `err`. A child logger whose `err` serializer runs the shared redactor
// (security/redact.ts) over every value logged there, with the secret values read so far.
import type { Logger } from "pino";
import { createRedactor } from "../security/redact.ts";

export function redactingLog(log: Logger, secretValues: () => Iterable<string>): Logger {
  const redactor = createRedactor({ secretValues });
  return log.child({}, { serializers: { err: (value: unknown) => redactor.redactObject(value) } });
}

// The broker's typed refusals, rethrown inside the function as classes it can test with
// `instanceof` or `e.name` (the SDK documents these names). Anything else is a plain Error.

import type { WireError } from "../sandbox/protocol.ts";

export class BrokerError extends Error {
  readonly code: string;

  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export class PermissionDenied extends BrokerError {
  override name = "PermissionDenied";
}

export class NotFound extends BrokerError {
  override name = "NotFound";
}

export class LimitExceeded extends BrokerError {
  override name = "LimitExceeded";
}

export class InvalidArgument extends BrokerError {
  override name = "InvalidArgument";
}

// A Map, not an object: a code like "constructor" must not find an inherited property.
const BY_CODE = new Map<string, new (code: string, message: string) => BrokerError>([
  ["BWK_PERMISSION_DENIED", PermissionDenied],
  ["BWK_NOT_FOUND", NotFound],
  ["BWK_LIMIT_EXCEEDED", LimitExceeded],
  // A callee an operator has rate limited (`bulwark limits set --rate`): a limit like any other.
  ["BWK_RATE_LIMITED", LimitExceeded],
  ["BWK_INVALID_ARGUMENT", InvalidArgument],
]);

export function errorFromWire(error: WireError): Error {
  const typed = error.code === undefined ? undefined : BY_CODE.get(error.code);
  if (typed !== undefined) return new typed(error.code!, error.message);
  const plain = new Error(error.message);
  if (error.code !== undefined) Object.assign(plain, { code: error.code });
  return plain;
}

const MAX_MESSAGE_CHARS = 4096;

/** What crosses the channel for a thrown value: its name and message only, never the stack. */
export function errorToWire(thrown: unknown, code?: string): WireError {
  let name = "Error";
  let message: string;
  try {
    if (thrown instanceof Error) {
      name = String(thrown.name);
      message = String(thrown.message);
    } else {
      message = String(thrown);
    }
  } catch {
    message = "a value that cannot be described was thrown";
  }
  const wire: WireError = { name: name.slice(0, 200), message: message.slice(0, MAX_MESSAGE_CHARS) };
  if (code !== undefined) wire.code = code;
  return wire;
}

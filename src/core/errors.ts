// Every error Bulwark raises, with a stable code, its HTTP status and its RFC 9457 problem type.
// Tests assert codes, never messages. 5xx problems never carry details to the client (see toProblem).

export const ERROR_CODES = {
  BWK_USAGE: { status: 400, title: "Invalid command usage" },
  BWK_MANIFEST_INVALID: { status: 400, title: "Invalid manifest" },
  BWK_BUILD_FAILED: { status: 400, title: "Build failed" },
  BWK_BAD_REQUEST: { status: 400, title: "Bad request" },
  BWK_INVALID_ARGUMENT: { status: 400, title: "Invalid argument" },
  BWK_INPUT_INVALID: { status: 400, title: "The request body does not match the route's input" },
  BWK_SCAN_BLOCKED: { status: 422, title: "The deploy is blocked by scan findings" },
  BWK_UNAUTHORIZED: { status: 401, title: "Unauthorized" },
  BWK_MFA_REQUIRED: { status: 401, title: "A valid second factor (TOTP or recovery code) is required" },
  BWK_STEP_UP_REQUIRED: { status: 401, title: "This action needs a fresh MFA check" },
  BWK_FORBIDDEN: { status: 403, title: "Forbidden" },
  BWK_PERMISSION_DENIED: { status: 403, title: "Permission denied" },
  BWK_IP_DENIED: { status: 403, title: "The client address is not allowed" },
  BWK_WAF_BLOCKED: { status: 403, title: "The request was blocked by a firewall rule" },
  BWK_NOT_FOUND: { status: 404, title: "Not found" },
  BWK_ROUTE_NOT_FOUND: { status: 404, title: "No route matches this request" },
  BWK_FUNCTION_NOT_FOUND: { status: 404, title: "No such function" },
  BWK_VERSION_NOT_FOUND: { status: 404, title: "No such version" },
  BWK_METHOD_NOT_ALLOWED: { status: 405, title: "Method not allowed" },
  BWK_REQUEST_TIMEOUT: { status: 408, title: "Request timeout" },
  BWK_PAYLOAD_TOO_LARGE: { status: 413, title: "Payload too large" },
  BWK_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Unsupported media type" },
  BWK_HEADERS_TOO_LARGE: { status: 431, title: "Request header fields too large" },
  BWK_LIMIT_EXCEEDED: { status: 429, title: "Limit exceeded" },
  BWK_RATE_LIMITED: { status: 429, title: "Too many requests" },
  BWK_HANDLER_ERROR: { status: 500, title: "The function failed" },
  BWK_INTERNAL: { status: 500, title: "Internal error" },
  BWK_ARTIFACT_TAMPERED: { status: 500, title: "The function's deployed artifact failed its integrity check" },
  BWK_AUDIT_KEY_INVALID: { status: 500, title: "The audit signing key is unusable" },
  BWK_SIGNING_KEY_INVALID: { status: 500, title: "A signing key is unusable" },
  BWK_DECRYPT_FAILED: { status: 500, title: "Decryption failed" },
  BWK_SANDBOX_UNAVAILABLE: { status: 500, title: "Sandbox unavailable" },
  BWK_SANDBOX_CRASHED: { status: 502, title: "The function's sandbox crashed" },
  BWK_OUT_OF_MEMORY: { status: 502, title: "The function ran out of memory" },
  BWK_BAD_RESPONSE: { status: 502, title: "The function returned an invalid response" },
  BWK_EGRESS_FAILED: { status: 502, title: "The outbound request failed" },
  BWK_CERT_UNTRUSTED: { status: 502, title: "The server's TLS certificate is not the trusted one" },
  BWK_OVERLOADED: { status: 503, title: "Too many concurrent invocations" },
  BWK_QUARANTINED: { status: 503, title: "The function is quarantined" },
  BWK_AUTH_UNAVAILABLE: { status: 503, title: "Tokens cannot be verified right now" },
  BWK_PLATFORM_UNREACHABLE: { status: 503, title: "The platform is not reachable" },
  BWK_TIMEOUT: { status: 504, title: "The function timed out" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export class BulwarkError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Extra members for the problem body; only sent for statuses below 500. */
  readonly extra: Record<string, unknown>;
  /** Response headers that go with this error (Retry-After, WWW-Authenticate). */
  readonly headers: Record<string, string>;

  constructor(
    code: ErrorCode,
    message: string,
    options: { extra?: Record<string, unknown>; headers?: Record<string, string>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "BulwarkError";
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.extra = options.extra ?? {};
    this.headers = options.headers ?? {};
  }
}

export function isBulwarkError(e: unknown): e is BulwarkError {
  return e instanceof BulwarkError;
}

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  code: ErrorCode;
  requestId: string;
  [member: string]: unknown;
}

export function problemType(code: ErrorCode): string {
  return `urn:bulwark:problem:${code.slice(4).toLowerCase().replaceAll("_", "-")}`;
}

/**
 * Renders an error for a client. Anything that is not a BulwarkError is an internal error, and a
 * 5xx carries only its title and request id: what went wrong inside goes to the log, never out.
 */
export function toProblem(error: unknown, requestId: string): Problem {
  const e = isBulwarkError(error) ? error : new BulwarkError("BWK_INTERNAL", "internal error");
  const { status, title } = ERROR_CODES[e.code];
  const base: Problem = { type: problemType(e.code), title, status, code: e.code, requestId };
  if (status >= 500) return base;
  return { ...e.extra, ...base, detail: e.message };
}

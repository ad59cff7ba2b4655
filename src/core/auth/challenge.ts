// The WWW-Authenticate challenge of a 401 or 403 (RFC 6750 §3). A request with no credential gets
// the bare challenge, without an error code (§3.1: "SHOULD NOT include an error code").

export type BearerError = "invalid_request" | "invalid_token" | "insufficient_scope";

export const REALM = "bulwark";

export function bearerChallenge(options: { error?: BearerError; description?: string; scopes?: readonly string[] } = {}): string {
  const params = [`realm="${REALM}"`];
  if (options.error) params.push(`error="${options.error}"`);
  if (options.description) params.push(`error_description="${quotable(options.description)}"`);
  if (options.scopes && options.scopes.length > 0) params.push(`scope="${quotable(options.scopes.join(" "))}"`);
  return `Bearer ${params.join(", ")}`;
}

/** §3: error_description and scope values exclude '"' and '\' and anything outside printable ASCII. */
function quotable(s: string): string {
  return s.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "").slice(0, 200);
}

// Finds the one credential a request presents: `Authorization: Bearer <token>` (RFC 6750 §2.1)
// or, on API key routes, `X-Api-Key: <key>`. Tokens in the query string are never read (RFC 6750
// §2.3 and §5.3: URLs end up in logs and Referer headers).
//
// Works on the raw header list, because Node keeps only the first of two Authorization headers:
// a request that carries two credentials, or one header twice, is refused as ambiguous rather
// than letting one of them win silently (CWE-436).

export type CredentialRead =
  | { kind: "none" }
  | { kind: "malformed"; detail: string }
  | { kind: "token"; token: string; from: "authorization" | "x-api-key" };

/** A JWT of a few KiB is normal; past this the header is refused before any parsing. */
export const MAX_TOKEN_LENGTH = 8192;

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
const BEARER = /^Bearer +(\S+)$/i;

export function readCredential(rawHeaders: readonly string[], options: { apiKeyHeader: boolean }): CredentialRead {
  const authorization: string[] = [];
  const apiKey: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    if (name === "authorization") authorization.push(rawHeaders[i + 1]!);
    else if (name === "x-api-key" && options.apiKeyHeader) apiKey.push(rawHeaders[i + 1]!);
  }
  const count = authorization.length + apiKey.length;
  if (count === 0) return { kind: "none" };
  if (count > 1) return { kind: "malformed", detail: "send exactly one credential (one Authorization or X-Api-Key header)" };
  if (apiKey.length === 1) return token(apiKey[0]!.trim(), "x-api-key");
  const match = BEARER.exec(authorization[0]!.trim());
  if (!match) return { kind: "malformed", detail: "the Authorization header must be `Bearer <token>`" };
  return token(match[1]!, "authorization");
}

function token(value: string, from: "authorization" | "x-api-key"): CredentialRead {
  if (value.length === 0) return { kind: "none" };
  if (value.length > MAX_TOKEN_LENGTH) return { kind: "malformed", detail: "the credential is too long" };
  if (!B64TOKEN.test(value)) return { kind: "malformed", detail: "the credential has characters a token cannot have" };
  return { kind: "token", token: value, from };
}

// Checks an API key: its shape first (a refusal that costs no lookup), then one indexed lookup by
// SHA-256 hash, then revocation and expiry, read fresh on every request.
import { keyUnusable } from "../../core/auth/api-keys.ts";
import { hashToken, tokenPrefixOf } from "../../core/people/tokens.ts";
import type { ApiKeyRecord } from "../../store/api-keys.ts";
import type { Principal } from "./principal.ts";

export type ApiKeyResult =
  | { ok: true; principal: Principal }
  | { ok: false; reason: "malformed" | "unknown key" }
  | { ok: false; reason: "revoked key" | "expired key"; keyName: string; prefix: string };

export function verifyApiKey(token: string, findKey: (hash: string) => ApiKeyRecord | undefined, now: number): ApiKeyResult {
  if (tokenPrefixOf(token) !== "bwk") return { ok: false, reason: "malformed" };
  const key = findKey(hashToken(token));
  if (key === undefined) return { ok: false, reason: "unknown key" };
  const unusable = keyUnusable(key, now);
  if (unusable !== null) return { ok: false, reason: unusable, keyName: key.name, prefix: key.prefix };
  return {
    ok: true,
    principal: {
      identity: { subject: `apikey:${key.name}`, roles: [...key.roles], via: "apiKey", keyName: key.name },
      scopes: [],
      keyScope: key.scope,
    },
  };
}

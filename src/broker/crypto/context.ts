// Encryption contexts: what a ciphertext belongs to, bound into its GCM tag as AAD, so a value
// copied onto another row (another secret, version, namespace, key or app) fails to decrypt
// instead of being served as that row's value (CWE-639).
//
// Encoding: "bulwark-ctx-v1", then each part as a 4-byte big-endian UTF-8 length and its bytes.
// Length prefixes make it injective: ("a|b", "c") and ("a", "b|c") never encode the same.

/** Built only by the functions below; a plain Buffer is not a context. */
export type EncryptionContext = Buffer & { readonly __brand: "EncryptionContext" };

const LABEL = Buffer.from("bulwark-ctx-v1", "utf8");

/** A secret's version: `secret | app | name | version`. */
export function secretContext(app: string, name: string, version: number): EncryptionContext {
  if (!Number.isSafeInteger(version) || version < 1) throw new RangeError("secret versions are integers from 1");
  return encode(["secret", app, name, String(version)]);
}

/**
 * A KV value: `kv | app | namespace | key`. `namespace` is the key policy evaluation returned,
 * so under tenant isolation (`tenants/<tenant>/<ns>`) the tenant is bound too.
 */
export function kvContext(app: string, namespace: string, key: string): EncryptionContext {
  return encode(["kv", app, namespace, key]);
}

/** An object: `object | app | bucket | key`; `bucket` as policy evaluation returned it. */
export function objectContext(app: string, bucket: string, key: string): EncryptionContext {
  return encode(["object", app, bucket, key]);
}

/** A user's TOTP shared secret (control/auth): `totp | user`. */
export function totpContext(user: string): EncryptionContext {
  return encode(["totp", user]);
}

/** A SIEM sink's bearer token (security/siem): `siem-token | sink`. */
export function siemTokenContext(sink: string): EncryptionContext {
  return encode(["siem-token", sink]);
}

function encode(parts: readonly string[]): EncryptionContext {
  const chunks: Buffer[] = [LABEL];
  for (const part of parts) {
    const bytes = Buffer.from(part, "utf8");
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    chunks.push(length, bytes);
  }
  return Buffer.concat(chunks) as EncryptionContext;
}

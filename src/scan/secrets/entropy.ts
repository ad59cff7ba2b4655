// Telling secrets from ordinary strings: Shannon entropy, and the shapes of values that look
// random but are not credentials (UUIDs, git SHAs, integrity hashes) or are obvious placeholders.

/** Shannon entropy in bits per character. */
export function shannon(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const HEX_DIGEST = /^(?:[0-9a-f]{32}|[0-9a-f]{40}|[0-9a-f]{64})$/i;
const INTEGRITY = /^(?:sha1|sha256|sha384|sha512)-[A-Za-z0-9+/=]{20,}$/;
const PLACEHOLDER_WORDS =
  /example|sample|dummy|placeholder|changeme|change[-_]me|your[-_ ]|redacted|fake|xxxx|\*\*\*|\.\.\.|<[^>]*>|\{\{|\$\{|^\$[A-Z_]|%[A-Z_]+%|replace[-_]?me|insert[-_]|todo/i;
const PLACEHOLDER_EXACT = /^(?:secret|password|passw0rd|pass|test|testing|token|none|null|undefined|true|false|default)$/i;

/** Values that are never reported: placeholders, references, identifiers of known non-secret shapes. */
export function notASecret(value: string): boolean {
  return (
    PLACEHOLDER_WORDS.test(value) ||
    PLACEHOLDER_EXACT.test(value) ||
    UUID.test(value) ||
    HEX_DIGEST.test(value) ||
    INTEGRITY.test(value) ||
    /^(.)\1+$/.test(value)
  );
}

/** The first four characters and an ellipsis: enough to find the value, never enough to use it. */
export function redact(secret: string): string {
  return `${secret.slice(0, 4)}…`;
}

// The name grammars of a `permissions:` block, written once and shared by the JSON Schema
// (schema.ts), the compiler's own re-check (compile.ts) and request checking (evaluate.ts).
// Each is a whole-string pattern: a grant or a request either matches exactly or is refused,
// so no name can smuggle a separator, a path or a wildcard into a resource key (CWE-22, CWE-41).

/** Secret names: upper-case identifiers, e.g. PSP_API_KEY. */
export const SECRET_NAME_PATTERN = "^[A-Z][A-Z0-9_]{0,127}$";

/** KV namespaces and object buckets: DNS-label-like, e.g. ledger, receipts. */
export const NAMESPACE_PATTERN = "^[a-z][a-z0-9-]{0,62}$";

/**
 * Functions named in `invoke:`. The same grammar as namespaces (`fraud-score`); the manifest's
 * function names should use this pattern too, so every function is invocable by its own name.
 */
export const FUNCTION_NAME_PATTERN = "^[a-z][a-z0-9-]{0,62}$";

/**
 * Tenant ids under tenant isolation. No `/`, so a tenant cannot step out of its own
 * `tenants/<tenant>/` partition.
 */
export const TENANT_PATTERN = "^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$";

// Egress hosts are written in lower case, as WHATWG URL normalizes them, so a grant compares
// to a requested URL's host exactly.
const PORT = "(?:[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])";
const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
const IPV4 = `${OCTET}(?:\\.${OCTET}){3}`;
const LABEL = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
// The last label starts with a letter: WHATWG URL parses a host whose last label is numeric
// (or 0x-hex) as an IPv4 address, so such a "name" would never match the URL's host.
const LAST_LABEL = "[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?";
const DNS_NAME = `(?=[a-z0-9.-]{1,253}:)(?:${LABEL}\\.)*${LAST_LABEL}`;
const H16 = "[0-9a-f]{1,4}";
const LS32 = `(?:${H16}:${H16}|${IPV4})`;
// RFC 3986 §3.2.2 IPv6address, lower-case hex, no zone id (URLs cannot carry one).
const IPV6 = [
  `(?:${H16}:){6}${LS32}`,
  `::(?:${H16}:){5}${LS32}`,
  `(?:${H16})?::(?:${H16}:){4}${LS32}`,
  `(?:(?:${H16}:){0,1}${H16})?::(?:${H16}:){3}${LS32}`,
  `(?:(?:${H16}:){0,2}${H16})?::(?:${H16}:){2}${LS32}`,
  `(?:(?:${H16}:){0,3}${H16})?::${H16}:${LS32}`,
  `(?:(?:${H16}:){0,4}${H16})?::${LS32}`,
  `(?:(?:${H16}:){0,5}${H16})?::${H16}`,
  `(?:(?:${H16}:){0,6}${H16})?::`,
]
  .map((alternative) => `(?:${alternative})`)
  .join("|");

/** A concrete `host:port`: a DNS name, an IPv4 address or a bracketed IPv6 address. */
export const EGRESS_TARGET_PATTERN = `^(?:${DNS_NAME}|${IPV4}|\\[(?:${IPV6})\\]):${PORT}$`;

/**
 * An egress grant: a concrete `host:port`, or `*.` + a DNS name. The wildcard is only ever a
 * whole leftmost label, so `lintPermissions` can see it; it never applies to an IP address.
 */
export const EGRESS_GRANT_PATTERN = `^(?:(?:\\*\\.)?${DNS_NAME}|${IPV4}|\\[(?:${IPV6})\\]):${PORT}$`;

// Compiled as ajv compiles schema patterns (the `u` flag), so both agree on every input.
export const SECRET_NAME = new RegExp(SECRET_NAME_PATTERN, "u");
export const NAMESPACE = new RegExp(NAMESPACE_PATTERN, "u");
export const FUNCTION_NAME = new RegExp(FUNCTION_NAME_PATTERN, "u");
export const TENANT = new RegExp(TENANT_PATTERN, "u");
export const EGRESS_TARGET = new RegExp(EGRESS_TARGET_PATTERN, "u");
export const EGRESS_GRANT = new RegExp(EGRESS_GRANT_PATTERN, "u");

// Which request headers the WAF reads, and how. Every header is attacker-chosen, and applications
// log and store them (user-agent, x-forwarded-for, referer), so the default is to inspect.
// Headers that merely look odd (accept's "*/*;q=0.8", sec-ch-ua's quotes, content-type's
// boundary) are inspected too: no rule mistakes them for an attack, as the benign corpus shows.
// Header names are not inspected: node accepts only RFC 9110 token characters in them.
// The exceptions, and why:

export type HeaderPolicy = "skip" | "inspect" | "no-ssrf" | "cookie";

const POLICIES: ReadonlyMap<string, HeaderPolicy> = new Map<string, HeaderPolicy>([
  // Credentials: checked by the authentication stage against hashes, never used as data, and a
  // WAF excerpt must never copy a secret into the logs.
  ["authorization", "skip"],
  ["proxy-authorization", "skip"],
  ["x-api-key", "skip"],
  // Framing: node's HTTP parser has already validated these strictly.
  ["content-length", "skip"],
  ["transfer-encoding", "skip"],
  ["connection", "skip"],
  ["keep-alive", "skip"],
  ["te", "skip"],
  ["upgrade", "skip"],
  // Opaque tokens compared byte for byte, never interpreted: entity tags and WebSocket nonces.
  ["if-match", "skip"],
  ["if-none-match", "skip"],
  ["sec-websocket-key", "skip"],
  // Browsers put the page's own URL here, which is http://localhost:… in development; the
  // server never fetches it, so it cannot be an SSRF. XSS and SQLi aimed at log viewers still count.
  ["referer", "no-ssrf"],
  ["origin", "no-ssrf"],
  // Each cookie value is inspected on its own: applications read cookies into queries too.
  ["cookie", "cookie"],
]);

/** `name` is lower-case, as node delivers header names. */
export function headerPolicy(name: string): HeaderPolicy {
  return POLICIES.get(name) ?? "inspect";
}

/** The values of a Cookie header (RFC 6265 §5.4: "name=value" pairs separated by ";"). */
export function cookieValues(header: string): string[] {
  const values: string[] = [];
  for (const pair of header.split(";")) {
    const eq = pair.indexOf("=");
    const value = eq < 0 ? pair.trim() : pair.slice(eq + 1).trim();
    if (value !== "") values.push(value);
  }
  return values;
}

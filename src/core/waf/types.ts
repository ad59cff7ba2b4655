// The WAF's public shapes and the shape of one rule.

export type WafClass = "sqli" | "nosqli" | "xss" | "ssti" | "traversal" | "cmdi" | "ssrf" | "crlf";

export type WafLocation = "path" | "query" | `header:${string}` | `body:${string}`;

export interface WafMatch {
  ruleId: string;
  class: WafClass;
  /** Where the payload was: "path", "query", "header:user-agent", "body:$.items[2].note". */
  location: WafLocation;
  /** At most 64 characters of the normalized input around the match, control characters replaced. */
  excerpt: string;
}

export interface WafRequest {
  /** The request path without the query string, as received (still percent-encoded). */
  path: string;
  /** The raw query string without the leading "?". */
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /** A parsed JSON value, a parsed form object, or a raw string. */
  body?: unknown;
}

export interface WafOptions {
  /** Rule ids to switch off (see listWafRules); an unknown id is refused. */
  disabledRules?: string[];
  /** Characters inspected per request, counted before and after normalization (default 2 Mi). */
  maxInspectedChars?: number;
  /** Body strings, keys and containers visited per request (default 100,000). */
  maxBodyNodes?: number;
}

export interface Waf {
  /**
   * The first rule that matches, or null. Throws BWK_PAYLOAD_TOO_LARGE when the request is bigger
   * than the inspection budget: a request the WAF cannot afford to read is not let through unread.
   */
  inspect(request: WafRequest): WafMatch | null;
}

/** Which normalized form of a value a rule reads (see decode.ts). */
export type WafView = "text" | "compact" | "shell";

export interface WafRuleInfo {
  id: string;
  class: WafClass;
  description: string;
  /** The CWE the rule defends against, e.g. "CWE-89". */
  cwe: string;
}

export interface WafRule extends WafRuleInfo {
  view: WafView;
  /**
   * Literals of which the view must contain at least one for the rule to be able to match. Their
   * characters gate the rule (charmask.ts), sparing most values the pattern; tests check the list
   * against every corpus.
   */
  needs: readonly string[];
  /** Where in the view the rule matched, or null. */
  find(view: string): { index: number; length: number } | null;
}

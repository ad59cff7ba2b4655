// CRLF injection and HTTP response splitting (CWE-113, CWE-93): a CR or LF that a handler copies
// into a response header, a redirect or a log line ends that line, and what follows becomes a
// header of the attacker's (%0d%0aSet-Cookie:, %0aLocation:) or a response of its own. The text
// view has decoded %0d%0a and folded every run of line breaks to one "\n". The engine applies this
// class to the path, query and headers only: in a body, a line that starts with "Note:" is prose.
import { regexRule } from "./rule.ts";
import type { WafRule } from "./types.ts";

export const CRLF_RULES: readonly WafRule[] = [
  regexRule(
    { id: "crlf-001", class: "crlf", description: "line break followed by a header or status line: %0d%0aSet-Cookie:, %0aLocation:", cwe: "CWE-113" },
    "text",
    ["\n"],
    // RFC 9112 §5.1: a field name is a token right before ":"; §4: a status line starts HTTP/.
    /\n(?:[a-z][\w-]{0,63}:|http\/\d)/,
  ),
];

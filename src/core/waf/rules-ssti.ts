// Server-side template injection (CWE-1336): text that a template engine renders runs as template
// code, and from there as code (Jinja's __globals__, Spring's T(java.lang.Runtime)). Users write
// about templates too ("Hello {{name}}", "${total}", "<%= user.name %>"), so a delimiter alone is
// not enough: what gives an injection away is what a probe or exploit puts inside it, arithmetic
// ({{7*7}}), Python object internals (__class__), the engine's own objects (config, self), or a way
// to Java classes and code.
import { regexRule } from "./rule.ts";
import type { WafRule } from "./types.ts";

const ssti = (id: string, description: string) => ({ id, class: "ssti" as const, description, cwe: "CWE-1336" });

/** Two numbers joined by an operator, the way every engine is fingerprinted: 7*7, '7'*7, 7 + 7. */
const ARITHMETIC = String.raw`['"]?\d{1,10}['"]?\s*[*/%+-]\s*['"]?\d`;

export const SSTI_RULES: readonly WafRule[] = [
  regexRule(
    ssti("ssti-001", "Jinja, Twig or Django expression that computes or reaches objects: {{7*7}}, {{config}}, {{''.__class__}}"),
    "text",
    ["{{"],
    new RegExp(
      String.raw`\{\{[\s(]*${ARITHMETIC}` +
        String.raw`|\{\{[^}]{0,128}?__[a-z]{2,32}__` +
        String.raw`|\{\{\s*_?(?:config|self|settings)\s*(?:\}\}|[.\[|(])`,
    ),
  ),
  regexRule(
    ssti("ssti-002", "expression-language lookup that computes or reaches Java: ${7*7}, #{7*7}, *{T(java.lang.Runtime)}"),
    "text",
    ["${", "#{", "*{", "@{", "~{"],
    new RegExp(
      String.raw`[$#*@~]\{\s*${ARITHMETIC}` +
        String.raw`|[$#*@~]\{[^}]{0,128}?(?:\bt\s*\(\s*java\.|\.getclass\s*\(|\bgetruntime\s*\(|\bprocessbuilder\b|\bclass\s*\.\s*forname\b|\?new\s*\(|freemarker\.template\.utility)`,
    ),
  ),
  regexRule(
    ssti("ssti-003", "template statement or scriptlet that runs code: {% import os %}, <%= 7*7 %>, <% system('id') %>"),
    "text",
    ["{%", "<%"],
    new RegExp(
      String.raw`\{%-?\s*(?:import\s|from\s+\S{1,64}\s+import\s|debug\s*-?%\})` +
        String.raw`|<%[=-]?\s*${ARITHMETIC}` +
        String.raw`|<%[=-]?[^%]{0,64}?(?:\b(?:system|exec|eval|spawn|popen|require|import)\b\s*[(\s'"]|\x60|\bruntime\s*\.)`,
    ),
  ),
];

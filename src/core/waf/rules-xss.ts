// Cross-site scripting (CWE-79). Rich text legitimately carries <b>, <p>, <a href="https://…">
// and "a < b" or "I <3 it", so the rules look for what executes: script elements, event-handler
// attributes, script URLs, frames and objects, and breaking out of a JavaScript string.
import { regexRule } from "./rule.ts";
import type { WafRule } from "./types.ts";

const xss = (id: string, description: string) => ({ id, class: "xss" as const, description, cwe: "CWE-79" });

// Event handlers used to run script without a tag of one's own ("onmouseover=" injected into an
// existing attribute). Names that are also English words after "on" ("onset", "online") are left
// out: inside a tag, xss-002 catches every on*= anyway.
const EVENTS =
  "error|load|click|dblclick|mouse(?:over|out|enter|leave|move|down|up)|focus(?:in|out)?|blur|change|input|submit|reset" +
  "|key(?:down|up|press)|toggle|animation(?:start|end|iteration)|transition(?:end|run|start)|pageshow|hashchange|message" +
  "|scroll|wheel|drag(?:start|end|enter|leave|over)?|drop|copy|paste|beforeunload|unload|resize|pointer(?:over|down|up|enter|leave|move)" +
  "|afterprint|beforeprint|contextmenu|auxclick|loadstart|loadeddata|canplay|popstate|readystatechange|beforeinput|touch(?:start|end|move)";

export const XSS_RULES: readonly WafRule[] = [
  regexRule(xss("xss-001", "script element"), "compact", ["<"], /<\/?script\b/),
  regexRule(
    xss("xss-002", "tag with an event-handler attribute: <img src=x onerror=, <svg/onload="),
    "compact",
    ["<"],
    /<[a-z][\w:-]{0,32}[\s/][^>]{0,256}?\bon[a-z]{3,32}\s*=/,
  ),
  regexRule(
    xss("xss-003", "event-handler attribute injected into an existing tag: \" onmouseover="),
    "compact",
    ["="],
    new RegExp(String.raw`(?:^|[\s"'/;\x60])on(?:${EVENTS})\s*=`),
  ),
  regexRule(
    xss("xss-004", "script URL: javascript:, vbscript:"),
    "compact",
    [":"],
    // Browsers drop tabs and newlines anywhere in a URL (jav&#9;ascript:), folded here to one space.
    // "JavaScript: The Good Parts" is a book title: a space then a plain word after the colon is prose.
    /\b(?:j\s?a\s?v\s?a|v\s?b|l\s?i\s?v\s?e)\s?s\s?c\s?r\s?i\s?p\s?t\s?:(?:\S|\s*[\w$.]{1,64}\s*[(=[\x60])/,
  ),
  regexRule(
    xss("xss-005", "data: URL that renders as a document or script"),
    "compact",
    ["data"],
    /\bdata\s?:\s?(?:text\/html|text\/(?:java|ecma)script|application\/(?:x-)?(?:java|ecma)script|application\/xhtml\+xml)/,
  ),
  regexRule(
    xss("xss-006", "element that loads another document or plugin: <iframe, <object data=, <base href="),
    "compact",
    ["<"],
    /<(?:iframe|frame|frameset|applet|portal)\b|<(?:object|embed)\b[^>]{0,128}?\b(?:data|src|type|code)\s*=|<base\b[^>]{0,64}?\bhref\s*=/,
  ),
  regexRule(
    xss("xss-007", "attribute that embeds a document or redirects a form: srcdoc=, formaction="),
    "compact",
    ["srcdoc", "formaction"],
    /\b(?:srcdoc|formaction)\s*=/,
  ),
  regexRule(
    xss("xss-008", "CSS that runs script: expression(), -moz-binding, behavior:url()"),
    "compact",
    ["expression", "-moz-binding", "behavior"],
    /:\s*expression\s*\(|-moz-binding\s*:|\bbehavior\s*:\s*url\s*\(/,
  ),
  regexRule(
    xss("xss-009", "breaking out of a JavaScript string into a call: ';alert(1)//"),
    "compact",
    ["alert", "prompt", "confirm", "eval", "fetch", "settimeout", "setinterval", "import"],
    /['"\x60]\s*[;,)+\-|&]{1,3}\s*(?:alert|prompt|confirm|eval|fetch|settimeout|setinterval|import)\s*[(\x60]/,
  ),
  regexRule(
    xss("xss-010", "DOM access typical of exploit code: document.cookie, String.fromCharCode("),
    "compact",
    ["document", "fromcharcode", "constructor"],
    /\bdocument\s*\.\s*(?:cookie|domain)\b|\bdocument\s*\.\s*write(?:ln)?\s*\(|\bstring\s*\.\s*fromcharcode\s*\(|\bconstructor\s*\.\s*constructor\s*\(/,
  ),
];

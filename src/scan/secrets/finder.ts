// The hardcoded-secret finder for one file's text: provider formats, private keys, connection
// strings, JWT signing secrets in code, and high-entropy values assigned to credential names.
// Findings carry only a redacted value. Files under test fixtures are reported at `low`: a key in
// a fixture is still a leaked key if it is real, but it should not block a deploy by itself.
import type { Finding, Severity } from "../types.ts";
import { notASecret, redact, shannon } from "./entropy.ts";
import {
  BARE_ASSIGNMENT,
  CONNECTION_STRING,
  JWT_CALL,
  PRIVATE_KEY,
  QUOTED_ASSIGNMENT,
  SECRET_FIX,
  SECRET_RULES,
  type SecretRuleId,
  TOKEN_PATTERNS,
} from "./patterns.ts";

/** Names whose literal value is a signing key however short or plain it is (CWE-321). */
const SIGNING_NAMES = new Set([
  "secret", "secretorkey", "secretorprivatekey", "jwtsecret", "jwtkey", "jwtsigningkey", "signingsecret",
  "signingkey", "tokensecret", "sessionsecret", "cookiesecret",
]);
const CREDENTIAL_WORDS = /password|passwd|secret|token|apikey|accesskey|privatekey|clientsecret|authkey|credential/;
/** Names that hold something about a credential, not the credential. */
const DESCRIPTIVE_SUFFIX =
  /(name|names|id|ids|field|type|url|uri|path|header|param|label|prefix|length|env|var|ref|arn|file|endpoint|expiry|expires|ttl|count|policy|version|pattern|regex|format|kind|hash|location|store|provider|method|key(?:s)?name)$/;
const LOCALHOST = /^(localhost|127\.0\.0\.1|\[::1\]|::1|0\.0\.0\.0)$/i;

export function isFixturePath(rel: string): boolean {
  return /(^|\/)(fixtures|__fixtures__|__tests__|__mocks__|testdata|test-data)(\/|$)/.test(rel) || /\.(test|spec)\.[cm]?[jt]sx?$/.test(rel);
}

export function findSecrets(rel: string, text: string): Finding[] {
  const lines = lineStarts(text);
  const found = new Map<string, Finding>();
  const fixture = isFixturePath(rel);
  const add = (rule: SecretRuleId, index: number, secret: string, detail = "", severity?: Severity) => {
    const { line, column } = position(lines, index);
    const key = `${line}:${column}`;
    if (found.has(key)) return;
    const meta = SECRET_RULES[rule];
    found.set(key, {
      ruleId: rule,
      severity: fixture ? "low" : (severity ?? meta.severity),
      cwe: meta.cwe,
      message: `${meta.title} hardcoded (${redact(secret)})${detail}${fixture ? " in a test fixture" : ""}`,
      file: rel,
      line,
      column,
      path: [],
      fix: SECRET_FIX,
    });
  };

  for (const { rule, regex } of TOKEN_PATTERNS) {
    for (const m of text.matchAll(regex)) {
      const secret = m[1]!;
      if (!notASecret(secret)) add(rule, m.index + m[0].indexOf(secret), secret);
    }
  }
  for (const m of text.matchAll(PRIVATE_KEY)) {
    // Key material follows the header: at least a line of base64, not "..." or "<key>".
    const start = m.index + m[0].length;
    const end = text.indexOf("-----END", start);
    const body = text.slice(start, Math.min(end < 0 ? text.length : end, start + 400));
    if (/[A-Za-z0-9+/]{40,}/.test(body.replace(/\\n|\s/g, ""))) add("secret/private-key", m.index, m[0].slice(11));
  }
  for (const m of text.matchAll(CONNECTION_STRING)) {
    const [, , user, password, host] = m as unknown as [string, string, string, string, string];
    if (notASecret(password) || password === user || password.startsWith("$") || password.startsWith("%")) continue;
    const at = m.index + m[0].indexOf(`:${password}@`) + 1;
    add("secret/connection-string-password", at, password, ` for ${host}`, LOCALHOST.test(host) ? "low" : undefined);
  }
  for (const m of text.matchAll(JWT_CALL)) {
    const arg = secondArgument(text, m.index + m[0].length);
    if (arg && !notASecret(arg.value)) add("secret/jwt-secret", arg.index, arg.value, " passed to jwt sign/verify");
  }
  for (const m of text.matchAll(QUOTED_ASSIGNMENT)) {
    const start = m.index + m[0].length;
    const end = text.indexOf(m[3]!, start);
    if (end < 0 || end - start > 256) continue;
    checkAssignment(add, m[2]!, text.slice(start, end), start);
  }
  if (/\.(env(\..*)?|ya?ml|properties|ini|cfg|conf|toml)$|(^|\/)\.env/.test(rel)) {
    for (const m of text.matchAll(BARE_ASSIGNMENT)) checkAssignment(add, m[1]!, m[2]!, m.index + m[0].lastIndexOf(m[2]!));
  }
  return [...found.values()];
}

type Add = (rule: SecretRuleId, index: number, secret: string, detail?: string) => void;

function checkAssignment(add: Add, name: string, value: string, index: number): void {
  const normalize = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
  const key = normalize(name);
  const last = normalize(name.split(".").pop() ?? name);
  // URLs (credentials inside them are the connection-string rule's) and paths are not secrets.
  if (notASecret(value) || /^([a-z][a-z0-9+.-]*:\/\/|\/|\.\/)/i.test(value)) return;
  // express-session's `secret: "keyboard cat"` is as hardcoded as any random string.
  if (SIGNING_NAMES.has(key) || SIGNING_NAMES.has(last)) {
    if (value.length >= 6) add("secret/jwt-secret", index, value);
    return;
  }
  if (/\s/.test(value)) return;
  if (!CREDENTIAL_WORDS.test(key) || DESCRIPTIVE_SUFFIX.test(key)) return;
  // Identifiers and constant names (PSP_API_KEY, "authorization") are names, not values.
  if (/^[A-Z][A-Z0-9_]*$/.test(value) || /^[a-z][a-z-]*$/.test(value)) return;
  const password = /passw|pwd/.test(key);
  const strong = password
    ? value.length >= 8 && shannon(value) >= 3
    : value.length >= 16 && shannon(value) >= 3.5;
  if (strong) add("secret/generic", index, value, ` in \`${name}\``);
}

/** The second argument of a call if it is a string literal: `(payload, "secret", …)`. */
function secondArgument(text: string, from: number): { value: string; index: number } | null {
  let depth = 0;
  let quote = "";
  const limit = Math.min(text.length, from + 2000);
  for (let i = from; i < limit; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = "";
      continue;
    }
    if (ch === '"' || ch === "'" || ch === "`") quote = ch;
    else if ("([{".includes(ch)) depth++;
    else if (")]}".includes(ch)) {
      if (depth === 0) return null;
      depth--;
    } else if (ch === "," && depth === 0) {
      const m = /^\s*(["'`])([^"'`\\\n]{1,256})\1\s*[,)]/.exec(text.slice(i + 1, i + 300));
      if (!m) return null;
      return { value: m[2]!, index: i + 1 + m[0].indexOf(m[2]!) };
    }
  }
  return null;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return starts;
}

function position(starts: readonly number[], index: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= index) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: index - starts[lo]! + 1 };
}

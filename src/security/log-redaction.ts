// Redaction of a function's log lines before they are stored (CWE-532). A line is text: the
// sandbox formats console arguments with util.inspect, so an object the handler logs arrives as
// `{ body: { ssn: '123-45-6789' } }`, and a JSON string it logs as `{"ssn":"123-45-6789"}`.
//
// Three things are replaced by "[REDACTED]":
//  - secret values and credentials by shape (Authorization, cookies, tokens, JWTs, keys): the
//    shared redactor of redact.ts;
//  - the PII fields the manifest names (`redact: [body.ssn]`): a log line has lost its object
//    structure, so the value of every key named like a path's last segment (here `ssn`) is
//    replaced wherever it appears — under any parent, in any letter case, quoted or bare, in
//    JSON, JSON inside a JSON string, util.inspect output or key=value text. That redacts more
//    than the path names, never less;
//  - the event's `cookies` array (API Gateway v2 moves the Cookie header there).
// Not caught: a value the handler logs without its key (console.log(event.body.ssn)), a field
// whose value is an object nested more than one level (the key's value up to the first nested
// brace is replaced, not what follows), and a base64-encoded event body.
import { REDACTED, createRedactor } from "./redact.ts";

export interface LogRedactionOptions {
  /** The function's configured PII paths, as in the manifest: "body.ssn", "body.cards[*].pan". */
  paths?: readonly string[];
  /** The secret values in use; read on each call, so a new secret is covered at once. */
  secretValues?: () => Iterable<string>;
}

export type LogRedactor = (message: string) => string;

/** Keys whose values are credentials in any function's event, whatever its manifest says. */
const ALWAYS_KEYS = ["cookies"];

// A value after `key: `, `key=`, `"key":`: a quoted string (double, single, or escaped double
// quotes of JSON inside a JSON string), a flat array or object, or a bare word. Quoted strings
// are bounded so that an unterminated quote costs a bounded scan.
const VALUE = String.raw`(\\"(?:[^"\\]|\\[^"]){0,4096}\\"|"(?:[^"\\]|\\.){0,4096}"|'(?:[^'\\]|\\.){0,4096}'|\[[^\[\]]{0,4096}\]|\{[^{}]{0,4096}\}|[^\s,;}\]]+)`;

export function createLogRedactor(options: LogRedactionOptions = {}): LogRedactor {
  const shared = createRedactor(options.secretValues === undefined ? {} : { secretValues: options.secretValues });
  const keys = [...new Set([...ALWAYS_KEYS, ...(options.paths ?? []).map(lastKey).filter((k) => k !== undefined)])];
  const byKey = new RegExp(
    String.raw`(?<![\w$-])(\\?["']?)(${keys.map(escapeRegExp).join("|")})(\\?["']?\s{0,8}[:=]\s{0,8})${VALUE}`,
    "gi",
  );
  return (message) =>
    shared.redactText(message).replace(byKey, (_all, open: string, key: string, sep: string, value: string) => `${open}${key}${sep}${quoted(value)}`);
}

/** "[REDACTED]" in the quotes the value had, so JSON stays JSON where it was. */
function quoted(value: string): string {
  if (value.startsWith('\\"')) return `\\"${REDACTED}\\"`;
  if (value.startsWith('"')) return `"${REDACTED}"`;
  if (value.startsWith("'")) return `'${REDACTED}'`;
  return REDACTED;
}

/** The last named segment of a path: "body.cards[*].pan" → "pan", 'a["x-y"]' → "x-y", "tags[*]" → "tags". */
export function lastKey(path: string): string | undefined {
  let last: string | undefined;
  for (const m of path.matchAll(/\["([^"\\]+)"\]|([^.[\]"*]+)/g)) last = m[1] ?? m[2];
  return last;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

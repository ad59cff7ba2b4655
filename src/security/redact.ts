// Redaction of logs before anything is written (CWE-532: sensitive information in log files).
//
// What is caught:
//  - known secret values (what functions read from the secret store, ≥ MIN_SECRET_LENGTH chars)
//    anywhere in a string: as is, JSON-escaped, percent-encoded, in hex (either case), and in
//    base64/base64url, alone or inside a longer encoded string (`Basic base64(user:secret)`, a
//    token that embeds it): the value's characters are matched at each of base64's three byte
//    alignments, so a few characters next to it, shared with its neighbours, may remain;
//  - credentials by shape: Authorization / Proxy-Authorization values (the scheme is kept),
//    `Bearer <token>`, cookies, API key headers and parameters, `password=`-style parameters in
//    query strings, logfmt, JSON and YAML, the platform's tokens (bwk_/bws_/bwci_…), JWTs, PEM
//    private keys;
//  - in objects: the headers authorization, proxy-authorization, cookie, set-cookie, x-api-key
//    and credential-named keys (password, client_secret, access_token, …) at any depth, in any
//    letter case, plus the configured paths (PII such as body.ssn).
// What is NOT caught: a secret split across log lines or chunks, partly printed, transformed
// otherwise (reversed, case-changed, \u-escaped, hashed, encrypted, compressed); secrets shorter than
// MIN_SECRET_LENGTH (too many false hits); credentials by shape whose value holds spaces or quotes
// beyond the first word; binary values (Buffers are copied, not scanned); object keys.

import { BulwarkError } from "../core/errors.ts";
import { TOKEN_PREFIXES } from "../core/people/tokens.ts";

export const REDACTED = "[REDACTED]";
export const MIN_SECRET_LENGTH = 6;
export const ALWAYS_REDACTED_HEADERS = ["authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"] as const;

export interface RedactorOptions {
  /** Dotted paths to redact, `[*]` for every array element: "body.ssn", "body.cards[*].pan". */
  paths?: readonly string[];
  /** The secret values currently in use; read on every call, so new secrets are covered at once. */
  secretValues?: () => Iterable<string>;
}

export interface Redactor {
  /** A deep copy with sensitive values replaced by "[REDACTED]"; cycles become "[Circular]". */
  redactObject<T>(value: T): T;
  redactText(text: string): string;
}

/** For pino's `redact` option: the fixed credential headers where request/response logs keep them. */
export const pinoRedactPaths: string[] = ["", "req.", "res.", "request.", "response.", "*."].flatMap((prefix) =>
  ALWAYS_REDACTED_HEADERS.flatMap((h) => [`${prefix}headers["${h}"]`, `${prefix}headers["${titleCase(h)}"]`]),
);

// Keys compared after lower-casing and dropping "-" and "_": the credential headers exactly, and
// any key ending in a credential name (password, dbPassword, stripe_api_key, ...). A key named just
// "secret" is left alone: in Bulwark it usually holds a secret's NAME, which logs should show.
const SENSITIVE_KEYS = new Set(ALWAYS_REDACTED_HEADERS.map(normalizeKey));
const SENSITIVE_KEY_SUFFIXES = [
  "password", "passwd", "passphrase", "clientsecret", "secretkey", "privatekey",
  "accesstoken", "refreshtoken", "idtoken", "sessiontoken", "apikey",
];

const MAX_DEPTH = 64;
const ANY = Symbol("[*]");
type Segment = string | typeof ANY;

// Text rules. Every pattern is linear: no nested quantifiers, bounded repeats where open-ended.
// SEP matches `: `, `=`, `":"`, `\":\"` (JSON inside a JSON string) and YAML's `: `.
const SEP = String.raw`(\\?["']?\s{0,8}[:=]\s{0,8}\\?["']?)`;
const VALUE = String.raw`[^\s"'\\&,;]+`;
const AUTH_SCHEMES = "Bearer|Basic|Digest|Token|Bot|ApiKey|DPoP|Negotiate|NTLM|HOBA|Mutual|AWS4-HMAC-SHA256";
const CREDENTIAL_PARAMS = [
  "password", "passwd", "pwd", "passphrase", "client[_-]?secret", "secret[_-]?key", "access[_-]?token",
  "refresh[_-]?token", "id[_-]?token", "session[_-]?token", "token", "api[_-]?key", "x-amz-signature",
  "x-amz-security-token", "x-amz-credential", "signature", "sig",
].join("|");
const TEXT_RULES: Array<[RegExp, string]> = [
  [new RegExp(String.raw`\b((?:proxy-)?authorization)${SEP}((?:${AUTH_SCHEMES})\s{1,8})?${VALUE}`, "gi"), `$1$2$3${REDACTED}`],
  [new RegExp(String.raw`\b((?:set-)?cookie)${SEP}[^\r\n"'\\]+`, "gi"), `$1$2${REDACTED}`],
  [new RegExp(String.raw`(?<![A-Za-z0-9])(${CREDENTIAL_PARAMS})${SEP}${VALUE}`, "gi"), `$1$2${REDACTED}`],
  [/\b(Bearer\s{1,8})[A-Za-z0-9\-._~+/]{8,}=*/gi, `$1${REDACTED}`],
  [new RegExp(String.raw`(?<![A-Za-z0-9_-])(?:${TOKEN_PREFIXES.join("|")})_[A-Za-z0-9_-]{16,}`, "g"), REDACTED],
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY-----[^-]{0,65536}(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY-----)?/g, REDACTED],
];
// Cheap pre-check so most log lines skip the rules entirely.
const TEXT_TRIGGER = new RegExp(
  ["authorization", "bearer", "cookie", "pass", "pwd", "secret", "token", "api[_-]?key", "sig", "credential", "eyJ", "PRIVATE KEY",
    ...TOKEN_PREFIXES.map((p) => `${p}_`)].join("|"),
  "i",
);

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const paths = (options.paths ?? []).map(parsePath);
  const secrets = options.secretValues;
  let cachedValues: string[] = [];
  let cachedMatcher: RegExp | null = null;

  /** The secret matcher, rebuilt only when the list of secrets changed (compared in order, cheaply). */
  function secretMatcher(): RegExp | null {
    if (secrets === undefined) return null;
    const values: string[] = [];
    for (const v of secrets()) if (typeof v === "string" && v.length >= MIN_SECRET_LENGTH) values.push(v);
    if (values.length !== cachedValues.length || values.some((v, i) => v !== cachedValues[i])) {
      cachedValues = values;
      cachedMatcher = values.length === 0 ? null : buildMatcher(values);
    }
    return cachedMatcher;
  }

  function redactText(text: string): string {
    let out = text;
    let matcher: RegExp | null;
    try {
      matcher = secretMatcher();
    } catch {
      // Fail closed: if the secrets cannot be listed, nothing proves this text is free of them.
      return REDACTED;
    }
    if (matcher !== null) out = out.replace(matcher, REDACTED);
    if (!TEXT_TRIGGER.test(out)) return out;
    for (const [pattern, replacement] of TEXT_RULES) out = out.replace(pattern, replacement);
    return out;
  }

  function copy(value: unknown, depth: number, ancestors: Set<object>): unknown {
    if (typeof value === "string") return redactText(value);
    if (typeof value !== "object" || value === null) return value;
    if (ancestors.has(value)) return "[Circular]";
    if (depth >= MAX_DEPTH) return "[Truncated]";
    if (value instanceof Date) return new Date(value.getTime());
    if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return structuredClone(value);
    ancestors.add(value);
    try {
      if (Array.isArray(value)) return value.map((v) => copy(v, depth + 1, ancestors));
      if (value instanceof Map) return new Map([...value].map(([k, v]) => [k, copy(v, depth + 1, ancestors)]));
      if (value instanceof Set) return new Set([...value].map((v) => copy(v, depth + 1, ancestors)));
      const out: Record<string, unknown> = {};
      if (value instanceof Error) {
        // Own properties of an Error are not enumerable: keep what a log serializer would show.
        out["name"] = value.name;
        out["message"] = redactText(value.message);
        if (value.stack !== undefined) out["stack"] = redactText(value.stack);
      }
      for (const [k, v] of Object.entries(value)) {
        setOwn(out, k, isSensitiveKey(k) && v !== undefined && v !== null ? REDACTED : copy(v, depth + 1, ancestors));
      }
      return out;
    } finally {
      ancestors.delete(value);
    }
  }

  return {
    redactText,
    redactObject<T>(value: T): T {
      const out = copy(value, 0, new Set());
      for (const path of paths) redactPath(out, path, 0);
      return out as T;
    },
  };
}

function buildMatcher(values: string[]): RegExp {
  const variants = new Set<string>();
  for (const v of values) {
    const bytes = Buffer.from(v, "utf8");
    const b64 = bytes.toString("base64");
    const hex = bytes.toString("hex");
    const forms = [v, JSON.stringify(v).slice(1, -1), encodeURIComponent(v), b64, b64.replace(/=+$/, ""), bytes.toString("base64url"), hex, hex.toUpperCase()];
    for (const form of [...forms, ...embeddedBase64(bytes)]) {
      if (form.length >= MIN_SECRET_LENGTH) variants.add(form);
    }
  }
  // Longest first, so a value that contains another secret is replaced whole.
  const alternatives = [...variants].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(alternatives.join("|"), "g");
}

/**
 * The base64 (and base64url) characters that encode only `bytes`, wherever they start in a longer
 * encoded string: base64 packs 3 bytes into 4 characters, so the value starts at one of three
 * alignments. The characters that also hold bits of the bytes before or after are left out.
 */
function embeddedBase64(bytes: Buffer): string[] {
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64").replace(/=+$/, "");
    const head = [0, 2, 3][offset]!;
    const tail = (offset + bytes.length) % 3 === 0 ? 0 : 1;
    const core = encoded.slice(head, encoded.length - tail);
    cores.push(core, core.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return cores;
}

/** Replaces the value at a parsed path in a tree we own (the copy). */
function redactPath(node: unknown, path: Segment[], i: number): void {
  if (typeof node !== "object" || node === null) return;
  const segment = path[i]!;
  const last = i === path.length - 1;
  if (segment === ANY) {
    if (!Array.isArray(node)) return;
    for (let j = 0; j < node.length; j++) {
      if (last) node[j] = REDACTED;
      else redactPath(node[j], path, i + 1);
    }
    return;
  }
  const record = node as Record<string, unknown>;
  if (!Object.hasOwn(record, segment)) return;
  if (last) setOwn(record, segment, REDACTED);
  else redactPath(record[segment], path, i + 1);
}

/** "body.items[*].card" or 'headers["x-forwarded-for"]' → segments; anything else is refused. */
function parsePath(path: string): Segment[] {
  const segments: Segment[] = [];
  let i = 0;
  const bad = (): never => {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `redact path ${JSON.stringify(path)} is not a dotted path (a.b, a[*].b, a["x-y"])`);
  };
  if (typeof path !== "string" || path.length === 0 || path.length > 512) bad();
  while (i < path.length) {
    if (path.startsWith("[*]", i)) {
      segments.push(ANY);
      i += 3;
      continue;
    }
    const quoted = /^\["([^"\\]+)"\]/.exec(path.slice(i));
    if (quoted !== null) {
      segments.push(quoted[1]!);
      i += quoted[0].length;
      continue;
    }
    if (segments.length > 0) {
      if (path[i] !== ".") bad();
      i += 1;
    }
    const key = /^[^.[\]"]+/.exec(path.slice(i)) ?? bad();
    segments.push(key[0]);
    i += key[0].length;
  }
  return segments;
}

/** A JSON body may carry an own "__proto__" key: keep it as data instead of changing the copy's prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}

function isSensitiveKey(key: string): boolean {
  const k = normalizeKey(key);
  return SENSITIVE_KEYS.has(k) || SENSITIVE_KEY_SUFFIXES.some((suffix) => k.endsWith(suffix));
}

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, "");
}

function titleCase(header: string): string {
  return header.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
}

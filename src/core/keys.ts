// Keys inside a KV namespace or a bucket, checked by the broker before any store sees them.
// KV keys are opaque strings in a table: bounded, valid UTF-8, no control characters. Object keys
// also become paths (on disk, in URLs, in downloads), so any spelling that some layer could read as
// a traversal is refused outright rather than normalized (CWE-22, CWE-23, CWE-36, CWE-174, CWE-176).

import { BulwarkError } from "./errors.ts";

export const KV_KEY_MAX_BYTES = 512;
export const OBJECT_KEY_MAX_BYTES = 1024;
export const KV_VALUE_MAX_BYTES = 256 * 1024;
export const OBJECT_MAX_BYTES = 10 * 1024 * 1024;

/** Why a key was refused; stable, in the error's `extra.rule`. */
export type KeyRule =
  | "not-a-string"
  | "empty"
  | "not-utf8"
  | "too-long"
  | "control-char"
  | "leading-slash"
  | "backslash"
  | "drive-letter"
  | "empty-segment"
  | "dot-segment"
  | "encoded-traversal"
  | "malformed-encoding";

// C0, DEL and C1 controls; U+2028/2029 line breaks (log injection, CWE-117); bidi embeddings,
// overrides and isolates, which make a key display as another (CWE-1007).
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const DRIVE_LETTER = /^[A-Za-z]:/;
// Segments of dots and spaces: Windows trims trailing dots and spaces, so ". ." and "..." can
// reach the filesystem as "..".
const DOTS = /^[. ]+$/;
// How many rounds of percent-decoding to look through (double and triple encoding).
const DECODE_ROUNDS = 3;

export function validateKvKey(key: unknown): asserts key is string {
  checkText(key, "KV key", KV_KEY_MAX_BYTES);
}

export function validateObjectKey(key: unknown): asserts key is string {
  checkText(key, "object key", OBJECT_KEY_MAX_BYTES);
  checkPath(key, "object key");
}

/** A `kv.list` prefix: empty lists everything; otherwise a KV key's rules. */
export function validateKvPrefix(prefix: unknown): asserts prefix is string {
  if (prefix === "") return;
  checkText(prefix, "KV key prefix", KV_KEY_MAX_BYTES);
}

/** An `objects.list` prefix: empty, or an object key's rules with one trailing `/` allowed. */
export function validateObjectPrefix(prefix: unknown): asserts prefix is string {
  if (prefix === "") return;
  checkText(prefix, "object key prefix", OBJECT_KEY_MAX_BYTES);
  checkPath(prefix.endsWith("/") ? prefix.slice(0, -1) : prefix, "object key prefix");
}

function checkText(key: unknown, what: string, maxBytes: number): asserts key is string {
  if (typeof key !== "string") refuse("not-a-string", `${what} must be a string`);
  if (key.length === 0) refuse("empty", `${what} is empty`);
  // A lone surrogate has no UTF-8 encoding; stores would replace it with U+FFFD, merging keys.
  if (!key.isWellFormed()) refuse("not-utf8", `${what} is not valid Unicode (lone surrogate)`);
  const bytes = Buffer.byteLength(key, "utf8");
  if (bytes > maxBytes) refuse("too-long", `${what} is ${bytes} bytes; the limit is ${maxBytes}`);
  const bad = FORBIDDEN_CHARS.exec(key);
  if (bad) refuse("control-char", `${what} contains the control character ${codePoint(bad[0])} at index ${bad.index}`);
}

function checkPath(key: string, what: string): void {
  if (key.length === 0 || key.startsWith("/")) refuse("leading-slash", `${what} must not start with /`);
  if (key.includes("\\")) refuse("backslash", `${what} must not contain a backslash`);
  key.split("/").forEach((segment, i) => {
    const where = `${what} segment ${i + 1}`;
    if (segment === "") refuse("empty-segment", `${where} is empty (// or a trailing /)`);
    if (DOTS.test(segment)) refuse("dot-segment", `${where} is a dot segment (path traversal)`);
    if (i === 0 && DRIVE_LETTER.test(segment)) refuse("drive-letter", `${what} must not start with a drive letter`);
    for (const view of decodedViews(segment, where)) {
      const separator = view.includes("/") || view.includes("\\");
      if (separator || DOTS.test(view) || FORBIDDEN_CHARS.test(view) || (i === 0 && DRIVE_LETTER.test(view))) {
        refuse("encoded-traversal", `${where} decodes to a path separator, dot segment or control character`);
      }
    }
  });
}

/**
 * What other layers might read a segment as: its Unicode compatibility form (NFKC turns "‥" and
 * "．．" into "..", "／" into "/"), that form without invisible characters, and each round of
 * percent-decoding (`%2e%2e`, `%252e%252e`, IIS-style `%u002e`), in all three forms.
 */
function decodedViews(segment: string, where: string): string[] {
  const views = unicodeViews(segment);
  let current = segment;
  for (let round = 0; round < DECODE_ROUNDS; round++) {
    const decoded = percentDecode(current, where);
    if (decoded === current) break;
    views.push(decoded, ...unicodeViews(decoded));
    current = decoded;
  }
  return views;
}

// Default-ignorable code points (zero-width space and joiners, soft hyphen, BOM, variation
// selectors) render as nothing and are dropped by IDNA mapping and many sanitizers, so "..\u200b"
// shows and may be stored as "..". Only the view drops them: a key may still hold an emoji's U+FE0F.
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/gu;

function unicodeViews(text: string): string[] {
  const compatible = text.normalize("NFKC");
  return [compatible, compatible.replace(INVISIBLE, "")];
}

function percentDecode(text: string, where: string): string {
  const wide = text.replace(/%u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
  return wide.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => {
    try {
      return decodeURIComponent(run);
    } catch {
      // Overlong or invalid UTF-8 (`%c0%ae` is an overlong "."): some decoders accept it.
      return refuse("malformed-encoding", `${where} has malformed percent-encoding`);
    }
  });
}

function codePoint(char: string): string {
  return `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
}

function refuse(rule: KeyRule, message: string): never {
  throw new BulwarkError("BWK_INVALID_ARGUMENT", message, { extra: { rule } });
}

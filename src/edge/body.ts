// What a request body is: its media type (RFC 9110 §8.3) and, for JSON, form, multipart and text
// bodies, its parsed value, which the WAF inspects and the input schema validates. The function
// still receives the body as sent.
import type { IncomingMessage } from "node:http";
import { checkJsonDepth } from "../core/jsonlimits.ts";
import { parseMultipart, type MultipartPart } from "./multipart.ts";

export interface MediaType {
  /** "type/subtype" in lower case. */
  essence: string;
  /** Parameter names in lower case ("charset"). */
  params: Record<string, string>;
}

export type ParsedBody =
  | { kind: "json"; value: unknown }
  | { kind: "form"; value: Record<string, string | string[]> }
  | { kind: "text"; value: string }
  /**
   * multipart/form-data (RFC 7578): per field name, its parts' headers and parameters (`filename`),
   * and the text of the parts that are fields or declared text; a binary file's content is left out.
   */
  | { kind: "multipart"; headers: Record<string, PartHeaders | PartHeaders[]>; fields: Record<string, string | string[]> }
  /** Not UTF-8 and not declared text: handed to the function as base64 and inspected by nothing. */
  | { kind: "binary" };

/** A part's Content-Disposition parameters but its name (`filename` first), then its headers as sent. */
export type PartHeaders = Record<string, string>;

/** "multipartLimits": more parts or part headers than the edge reads (multipart.ts). */
export type BodyProblem = { keyword: "json" | "maxDepth" | "charset" | "multipart" | "multipartLimits"; message: string };

/** RFC 9112 §6.3: a request has a body when it says how it is framed (a Content-Length of 0 frames none). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers["content-length"];
  return req.headers["transfer-encoding"] !== undefined || (length !== undefined && length !== "0");
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Parses a Content-Type value; undefined when absent or malformed. */
export function parseMediaType(header: string | undefined): MediaType | undefined {
  if (header === undefined) return undefined;
  const [head = "", ...rest] = header.split(";");
  const essence = head.trim().toLowerCase();
  const slash = essence.indexOf("/");
  if (slash <= 0 || !TOKEN.test(essence.slice(0, slash)) || !TOKEN.test(essence.slice(slash + 1))) return undefined;
  const params: Record<string, string> = Object.create(null);
  for (const param of rest) {
    const eq = param.indexOf("=");
    if (eq < 0) continue;
    const value = param.slice(eq + 1).trim();
    params[param.slice(0, eq).trim().toLowerCase()] = value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return { essence, params };
}

/** application/json and the structured-syntax suffix +json (RFC 6839 §3.1). */
export function isJson(type: MediaType | undefined): boolean {
  if (type === undefined) return false;
  return type.essence === "application/json" || (type.essence.startsWith("application/") && type.essence.endsWith("+json"));
}

const TEXT_TYPES = /^(?:text\/|application\/(?:json|[\w.+-]+\+json|x-www-form-urlencoded|xml|[\w.+-]+\+xml|javascript)$)/;

/** Media types whose bodies are text: a function gets them as text when they are UTF-8 (event.ts). */
export function isTextual(type: MediaType | undefined): boolean {
  return type !== undefined && TEXT_TYPES.test(type.essence);
}

export function isForm(type: MediaType | undefined): boolean {
  return type?.essence === "application/x-www-form-urlencoded";
}

/** Does the type match one of the ranges ("text/plain", "text/*", "*\/*")? */
export function matchesRange(type: MediaType, ranges: readonly string[]): boolean {
  const main = type.essence.slice(0, type.essence.indexOf("/"));
  return ranges.some((r) => r === type.essence || r === "*/*" || (r.endsWith("/*") && r.slice(0, -2) === main));
}

/** JSON is UTF-8 (RFC 8259 §8.1); a body that declares another charset is not JSON we read. */
export function jsonCharsetOk(type: MediaType): boolean {
  const charset = type.params.charset;
  return charset === undefined || charset.toLowerCase() === "utf-8";
}

const FATAL_UTF8 = new TextDecoder("utf-8", { fatal: true });

/** Reads the body by its media type, or says what is wrong with it. */
export function parseBody(body: Buffer, type: MediaType | undefined, maxDepth: number): ParsedBody | BodyProblem {
  // Before any decoding: one binary file makes the whole body non-UTF-8, and its fields must still be read.
  if (type?.essence === "multipart/form-data") return multipartBody(body, type);
  const text = utf8(body);
  if (isJson(type)) {
    if (!jsonCharsetOk(type!)) return { keyword: "charset", message: "a JSON body must be UTF-8" };
    if (text === undefined) return { keyword: "json", message: "the body is not valid UTF-8" };
    // Depth first, on the text: a body of 100k "[" must not reach a recursive parser (CWE-674).
    const depth = checkJsonDepth(text, maxDepth);
    if (!depth.ok) return { keyword: "maxDepth", message: `the body nests arrays and objects deeper than ${maxDepth} levels` };
    try {
      return { kind: "json", value: JSON.parse(text) };
    } catch {
      // The parser's message quotes the body; the client is told only that it is not JSON.
      return { keyword: "json", message: "the body is not valid JSON" };
    }
  }
  // A body declared text is read as text even when it is not UTF-8: one stray byte must not hide
  // a payload from the WAF (the function still gets such a body as base64).
  const readable = text ?? (isTextual(type) ? lossyText(body, type!) : undefined);
  if (readable === undefined) return { kind: "binary" };
  if (isForm(type)) return { kind: "form", value: formObject(readable) };
  return { kind: "text", value: readable };
}

function multipartBody(body: Buffer, type: MediaType): ParsedBody | BodyProblem {
  const parsed = parseMultipart(body, type.params.boundary);
  if (!parsed.ok) return { keyword: parsed.problem === "limits" ? "multipartLimits" : "multipart", message: parsed.message };
  const headers: Record<string, PartHeaders | PartHeaders[]> = Object.create(null);
  const fields: Record<string, string | string[]> = Object.create(null);
  for (const part of parsed.parts) {
    addTo(headers, part.name, { ...part.params, ...part.headers });
    const text = partText(part);
    if (text !== undefined) addTo(fields, part.name, text);
  }
  return { kind: "multipart", headers, fields };
}

/**
 * A field's text, or a file's when it is declared text (no Content-Type means text/plain, RFC 7578
 * §4.4, taken only when it is UTF-8: a binary file sent without a type is still binary). A binary
 * file is undefined: its bytes are no text, and would only make false positives.
 */
function partText(part: MultipartPart): string | undefined {
  const type = parseMediaType(part.headers["content-type"]);
  const isFile = part.params["filename"] !== undefined || part.params["filename*"] !== undefined;
  if (!isFile || isTextual(type)) return utf8(part.content) ?? lossyText(part.content, type ?? { essence: "text/plain", params: {} });
  return part.headers["content-type"] === undefined ? utf8(part.content) : undefined;
}

/** Decoded by the declared charset (UTF-8 if none or unknown), bytes that are no character as U+FFFD. */
function lossyText(body: Buffer, type: MediaType): string {
  try {
    return new TextDecoder(type.params.charset ?? "utf-8").decode(body);
  } catch {
    return new TextDecoder("utf-8").decode(body);
  }
}

export function isBodyProblem(parsed: ParsedBody | BodyProblem): parsed is BodyProblem {
  return "keyword" in parsed;
}

function formObject(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) addTo(out, name, value);
  return out;
}

/** Repeated names become arrays; `out` has a null prototype, so "__proto__" is just a name (CWE-1321). */
function addTo<T extends string | object>(out: Record<string, T | T[]>, name: string, value: T): void {
  const seen = out[name];
  if (seen === undefined) out[name] = value;
  else if (Array.isArray(seen)) seen.push(value);
  else out[name] = [seen, value];
}

/** The body as text when it is valid UTF-8; undefined when it is not. */
export function utf8(body: Buffer): string | undefined {
  try {
    return FATAL_UTF8.decode(body);
  } catch {
    return undefined;
  }
}

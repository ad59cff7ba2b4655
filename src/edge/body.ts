// What a request body is: its media type (RFC 9110 §8.3) and, for JSON, form and text bodies,
// its parsed value, which the WAF inspects and the input schema validates. The function still
// receives the body as sent.
import type { IncomingMessage } from "node:http";
import { checkJsonDepth } from "../core/jsonlimits.ts";

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
  /** Not UTF-8 and not declared text: handed to the function as base64 and inspected by nothing. */
  | { kind: "binary" };

export type BodyProblem = { keyword: "json" | "maxDepth" | "charset"; message: string };

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

/** Repeated names become arrays; a null prototype, so "__proto__" is just a name (CWE-1321). */
function formObject(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = Object.create(null);
  for (const [name, value] of new URLSearchParams(text)) {
    const seen = out[name];
    if (seen === undefined) out[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else out[name] = [seen, value];
  }
  return out;
}

/** The body as text when it is valid UTF-8; undefined when it is not. */
export function utf8(body: Buffer): string | undefined {
  try {
    return FATAL_UTF8.decode(body);
  } catch {
    return undefined;
  }
}

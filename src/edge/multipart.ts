// Splits a multipart/form-data body (RFC 7578, framed as RFC 2046 §5.1.1) into its parts, for the
// WAF: every part's headers and name, and the bytes of its content. Strict where parsers differ, as
// a WAF that reads a body one way while the function's parser reads it another inspects nothing
// (parser differential): lines end in CRLF, no folded header lines, no header or parameter twice.
// The work is bounded: at most MAX_PARTS parts and MAX_PART_HEADER_BYTES of headers each.

export const MAX_PARTS = 1_000;
export const MAX_PART_HEADER_BYTES = 8 * 1024;

export interface MultipartPart {
  /** The form field's name (Content-Disposition's `name`). */
  name: string;
  /** Content-Disposition's parameters but `name`, decoded (`filename`, and `filename*` per RFC 8187). */
  params: Record<string, string>;
  /** Header names in lower case, values as sent. */
  headers: Record<string, string>;
  content: Buffer;
}

/** "limits": more parts or header bytes than the edge reads; "malformed": not multipart/form-data. */
export type MultipartProblem = { ok: false; problem: "malformed" | "limits"; message: string };

export type MultipartResult = { ok: true; parts: MultipartPart[] } | MultipartProblem;

/** RFC 2046 §5.1.1: 1 to 70 bchars, the last not a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const CRLF = Buffer.from("\r\n");
const HEADERS_END = Buffer.from("\r\n\r\n");
const DASH = 0x2d;

export function parseMultipart(body: Buffer, boundary: string | undefined): MultipartResult {
  if (boundary === undefined || !BOUNDARY.test(boundary)) return malformed("the Content-Type has no valid boundary");
  const dashBoundary = Buffer.from(`--${boundary}`);
  const delimiter = Buffer.from(`\r\n--${boundary}`);
  // A preamble before the first boundary is ignored (RFC 2046 §5.1.1), as is an epilogue after the last.
  const first = body.subarray(0, dashBoundary.length).equals(dashBoundary) ? 0 : body.indexOf(delimiter);
  if (first < 0) return malformed("the body has no boundary line");
  const parts: MultipartPart[] = [];
  let at = first + (first === 0 ? dashBoundary.length : delimiter.length);
  for (;;) {
    if (body[at] === DASH && body[at + 1] === DASH) return { ok: true, parts };
    while (body[at] === 0x20 || body[at] === 0x09) at++; // transport padding
    if (!body.subarray(at, at + CRLF.length).equals(CRLF)) return malformed("a boundary line does not end with CRLF");
    at += CRLF.length;
    const end = body.indexOf(delimiter, at);
    if (end < 0) return malformed("the body ends before its closing boundary");
    if (parts.length === MAX_PARTS) return limits(`the body has more than ${MAX_PARTS} parts`);
    const part = parsePart(body.subarray(at, end));
    if ("problem" in part) return part;
    parts.push(part);
    at = end + delimiter.length;
  }
}

function parsePart(raw: Buffer): MultipartPart | MultipartProblem {
  // Only the first MAX_PART_HEADER_BYTES are searched for the headers' end, whatever the part's size.
  const headerEnd = raw.subarray(0, MAX_PART_HEADER_BYTES + HEADERS_END.length).indexOf(HEADERS_END);
  if (headerEnd < 0) {
    return raw.length > MAX_PART_HEADER_BYTES ? limits(`a part has more than ${MAX_PART_HEADER_BYTES} bytes of headers`) : malformed("a part's headers do not end");
  }
  const headers: Record<string, string> = Object.create(null);
  // Every part has at least Content-Disposition: an empty header block fails below.
  for (const line of headerEnd === 0 ? [] : raw.subarray(0, headerEnd).toString("utf8").split("\r\n")) {
    const colon = line.indexOf(":");
    const name = line.slice(0, colon).toLowerCase();
    // A bare CR or LF is a line break to some parsers and not to others.
    if (colon <= 0 || !TOKEN.test(name) || /[\r\n]/.test(line)) return malformed("a part has a header line that is not `name: value`");
    if (name in headers) return malformed(`a part has two ${name} headers`);
    headers[name] = line.slice(colon + 1).trim();
  }
  const disposition = parseDisposition(headers["content-disposition"]);
  if (disposition === undefined) return malformed('a part has no `Content-Disposition: form-data; name="…"` (RFC 7578 §4.2)');
  const { name, ...params } = disposition;
  return { name: name!, params, headers, content: raw.subarray(headerEnd + HEADERS_END.length) };
}

/** `form-data; name="a"; filename="b"` as its parameters; undefined unless form-data with a name, each parameter once. */
function parseDisposition(value: string | undefined): Record<string, string> | undefined {
  if (value === undefined) return undefined;
  const params: Record<string, string> = Object.create(null);
  const reader = new ParamReader(value);
  if (reader.token()?.toLowerCase() !== "form-data") return undefined;
  while (!reader.done()) {
    if (!reader.skip(";")) return undefined;
    const key = reader.token()?.toLowerCase();
    if (key === undefined || !reader.skip("=") || key in params) return undefined;
    const raw = reader.quoted() ?? reader.token();
    if (raw === undefined) return undefined;
    params[key] = key.endsWith("*") ? extValue(raw) : raw;
  }
  return params["name"] === undefined ? undefined : params;
}

/** RFC 8187 §3.2 `charset'lang'percent-encoded`; what cannot be decoded is kept as sent (and still inspected). */
function extValue(raw: string): string {
  const match = /^[\w!#$%&+^`{}~-]*'[\w-]*'(.*)$/.exec(raw);
  try {
    return match === null ? raw : decodeURIComponent(match[1]!);
  } catch {
    return raw;
  }
}

/** RFC 9110 §5.6: tokens, quoted strings (with backslash escapes) and separators, whitespace between. */
class ParamReader {
  readonly #text: string;
  #at = 0;

  constructor(text: string) {
    this.#text = text;
  }

  done(): boolean {
    this.#space();
    return this.#at >= this.#text.length;
  }

  skip(char: string): boolean {
    this.#space();
    if (this.#text[this.#at] !== char) return false;
    this.#at++;
    return true;
  }

  token(): string | undefined {
    this.#space();
    const match = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/.exec(this.#text.slice(this.#at));
    if (match === null) return undefined;
    this.#at += match[0].length;
    return match[0];
  }

  quoted(): string | undefined {
    this.#space();
    if (this.#text[this.#at] !== '"') return undefined;
    let out = "";
    for (let i = this.#at + 1; i < this.#text.length; i++) {
      const c = this.#text[i]!;
      if (c === '"') {
        this.#at = i + 1;
        return out;
      }
      if (c === "\\") i++;
      out += this.#text[i] ?? "";
    }
    return undefined; // unterminated
  }

  #space(): void {
    while (this.#text[this.#at] === " " || this.#text[this.#at] === "\t") this.#at++;
  }
}

function malformed(message: string): MultipartProblem {
  return { ok: false, problem: "malformed", message: `malformed multipart/form-data: ${message}` };
}

function limits(message: string): MultipartProblem {
  return { ok: false, problem: "limits", message };
}

// multipart/form-data framing for the WAF (RFC 7578, RFC 2046 §5.1.1): parts, their headers and
// parameters; strict where parsers differ, bounded in parts and header bytes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_PART_HEADER_BYTES, MAX_PARTS, parseMultipart, type MultipartResult } from "../../src/edge/multipart.ts";

const B = "----bwk7MA4YWxkTrZu0gW";

/** A body of parts, each as its header lines and content; CRLF as RFC 2046 asks. */
function multipart(parts: Array<{ headers: string[]; content: string | Buffer }>, boundary = B): Buffer {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\n${part.headers.join("\r\n")}\r\n\r\n`), Buffer.from(part.content), Buffer.from("\r\n"));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

const field = (name: string, content: string) => ({ headers: [`Content-Disposition: form-data; name="${name}"`], content });

function problem(result: MultipartResult): string {
  assert.equal(result.ok, false);
  return result.ok ? "" : result.problem;
}

describe("parseMultipart", () => {
  it("reads fields and files: name, parameters, headers and the content's bytes", () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
    const result = parseMultipart(
      multipart([
        field("comment", "hello\r\nworld"),
        { headers: ['Content-Disposition: form-data; name="avatar"; filename="me.png"', "Content-Type: image/png"], content: png },
      ]),
      B,
    );
    assert.ok(result.ok);
    assert.deepEqual(
      result.parts.map((p) => [p.name, { ...p.params }, { ...p.headers }]),
      [
        ["comment", {}, { "content-disposition": 'form-data; name="comment"' }],
        ["avatar", { filename: "me.png" }, { "content-disposition": 'form-data; name="avatar"; filename="me.png"', "content-type": "image/png" }],
      ],
    );
    assert.equal(result.parts[0]!.content.toString(), "hello\r\nworld");
    assert.deepEqual(result.parts[1]!.content, png);
  });

  it("ignores a preamble and an epilogue, and takes transport padding after a boundary", () => {
    const body = Buffer.from(`preamble\r\n--${B}  \r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--${B}--\r\nepilogue`);
    const result = parseMultipart(body, B);
    assert.ok(result.ok);
    assert.equal(result.parts[0]?.name, "a");
  });

  it("reads quoted parameters with escapes and RFC 8187 filename*", () => {
    const result = parseMultipart(
      multipart([{ headers: [`Content-Disposition: form-data; name="a\\"b;c"; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd`], content: "" }]),
      B,
    );
    assert.ok(result.ok);
    assert.equal(result.parts[0]?.name, 'a"b;c');
    assert.equal(result.parts[0]?.params["filename*"], "../../etc/passwd");
  });

  it("refuses a body without a boundary, or not framed by it", () => {
    assert.equal(problem(parseMultipart(multipart([field("a", "1")]), undefined)), "malformed");
    assert.equal(problem(parseMultipart(multipart([field("a", "1")]), "x".repeat(71))), "malformed", "a boundary is at most 70 characters");
    assert.equal(problem(parseMultipart(Buffer.from("a=1"), B)), "malformed");
  });

  it("refuses an unterminated body: no closing boundary", () => {
    const body = multipart([field("a", "1")]);
    assert.equal(problem(parseMultipart(body.subarray(0, body.length - `--${B}--\r\n`.length - 2), B)), "malformed");
    assert.equal(problem(parseMultipart(Buffer.from(`--${B}\r\nContent-Disposition: form-data; name=a\r\n`), B)), "malformed");
  });

  it("attack: refuses what parsers read differently (parser differentials that hide a part from a WAF)", () => {
    const cases: Array<[string, Buffer]> = [
      ["LF line ends", Buffer.from(`--${B}\nContent-Disposition: form-data; name=a\n\n1\n--${B}--\n`)],
      ["two Content-Disposition headers", multipart([{ headers: ['Content-Disposition: form-data; name="a"', 'Content-Disposition: form-data; name="b"'], content: "" }])],
      ["a parameter twice", multipart([{ headers: ['Content-Disposition: form-data; name="a"; filename="x.png"; filename="../x"'], content: "" }])],
      ["a folded header line", multipart([{ headers: ['Content-Disposition: form-data; name="a";', ' filename="x"'], content: "" }])],
      ["a bare LF inside a header", multipart([{ headers: ['Content-Disposition: form-data; name="a"\nContent-Type: text/html'], content: "" }])],
      ["no name", multipart([{ headers: ['Content-Disposition: form-data; filename="x"'], content: "" }])],
      ["not form-data", multipart([{ headers: ['Content-Disposition: attachment; name="a"'], content: "" }])],
      ["an unterminated quoted string", multipart([{ headers: ['Content-Disposition: form-data; name="a'], content: "" }])],
      ["no headers", Buffer.from(`--${B}\r\n\r\n1\r\n--${B}--\r\n`)],
    ];
    for (const [what, body] of cases) assert.equal(problem(parseMultipart(body, B)), "malformed", what);
  });

  it(`attack: stops at ${MAX_PARTS} parts and ${MAX_PART_HEADER_BYTES} bytes of part headers`, () => {
    const many = Array.from({ length: MAX_PARTS + 1 }, (_, i) => field(`f${i}`, ""));
    assert.equal(problem(parseMultipart(multipart(many), B)), "limits");
    assert.ok(parseMultipart(multipart(many.slice(1)), B).ok);
    const padded = { headers: ['Content-Disposition: form-data; name="a"', `X-Pad: ${"a".repeat(MAX_PART_HEADER_BYTES)}`], content: "" };
    assert.equal(problem(parseMultipart(multipart([padded]), B)), "limits");
  });
});

// What a request body is to the edge: its media type, and its JSON, form, multipart or text value.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { isBodyProblem, isJson, isTextual, matchesRange, parseBody, parseMediaType } from "../../src/edge/body.ts";

const body = (text: string) => Buffer.from(text, "utf8");

describe("parseMediaType", () => {
  it("reads the essence in lower case and the parameters", () => {
    const type = parseMediaType('Application/JSON; Charset="UTF-8"')!;
    assert.equal(type.essence, "application/json");
    assert.equal(type.params["charset"], "UTF-8");
  });

  it("refuses what is not type/subtype", () => {
    for (const bad of ["json", "/json", "application/", "app lication/json", "a/b/c"]) assert.equal(parseMediaType(bad), undefined, bad);
    assert.equal(parseMediaType(undefined), undefined);
  });

  it("knows JSON by application/json and the +json suffix only", () => {
    assert.ok(isJson(parseMediaType("application/merge-patch+json")));
    assert.ok(!isJson(parseMediaType("text/json+html")));
    assert.ok(!isJson(parseMediaType("application/jsonp")));
  });

  it("matches exact types, type/* and */*", () => {
    const text = parseMediaType("text/plain")!;
    assert.ok(matchesRange(text, ["text/*"]));
    assert.ok(matchesRange(text, ["*/*"]));
    assert.ok(!matchesRange(text, ["text/html", "application/*"]));
  });
});

describe("parseBody", () => {
  const json = parseMediaType("application/json");

  it("parses JSON, forms and text", () => {
    assert.deepEqual(parseBody(body('{"a":[1]}'), json, 64), { kind: "json", value: { a: [1] } });
    const form = parseBody(body("a=1&b=x+y&a=2"), parseMediaType("application/x-www-form-urlencoded"), 64);
    assert.ok(!isBodyProblem(form) && form.kind === "form");
    assert.deepEqual({ ...form.value }, { a: ["1", "2"], b: "x y" });
    assert.deepEqual(parseBody(body("hello"), parseMediaType("text/plain"), 64), { kind: "text", value: "hello" });
  });

  it("refuses JSON nested past the limit without parsing it (CWE-674)", () => {
    const deep = parseBody(body(`${"[".repeat(100_000)}${"]".repeat(100_000)}`), json, 64);
    assert.ok(isBodyProblem(deep) && deep.keyword === "maxDepth");
    assert.ok(!isBodyProblem(parseBody(body(`${"[".repeat(64)}${"]".repeat(64)}`), json, 64)));
  });

  it("refuses JSON that does not parse without quoting it back", () => {
    const bad = parseBody(body('{"secret": "hunter2"'), json, 64);
    assert.ok(isBodyProblem(bad) && bad.keyword === "json");
    assert.doesNotMatch(bad.message, /hunter2/);
  });

  it("refuses a JSON body in another charset or not in UTF-8", () => {
    const latin = parseBody(body("{}"), parseMediaType("application/json; charset=iso-8859-1"), 64);
    assert.ok(isBodyProblem(latin) && latin.keyword === "charset");
    const broken = parseBody(Buffer.from([0x7b, 0xff, 0x7d]), json, 64);
    assert.ok(isBodyProblem(broken) && broken.keyword === "json");
  });

  it("keeps a form's __proto__ field as a plain name (CWE-1321)", () => {
    const form = parseBody(body("__proto__=x&constructor=y"), parseMediaType("application/x-www-form-urlencoded"), 64);
    assert.ok(!isBodyProblem(form) && form.kind === "form");
    assert.equal(Object.getPrototypeOf(form.value), null);
    assert.equal(form.value["__proto__"], "x");
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  it("collects a field repeated many times in linear time", () => {
    const form = parseBody(body("a=1&".repeat(200_000)), parseMediaType("application/x-www-form-urlencoded"), 64);
    assert.ok(!isBodyProblem(form) && form.kind === "form");
    assert.equal((form.value["a"] as string[]).length, 200_000);
  });

  it("treats bytes that are not UTF-8 as binary, uninspected, unless the body is declared text", () => {
    assert.deepEqual(parseBody(Buffer.from([0xff, 0xfe, 0x00]), parseMediaType("application/octet-stream"), 64), { kind: "binary" });
    assert.deepEqual(parseBody(Buffer.from([0xff, 0xfe, 0x00]), undefined, 64), { kind: "binary" });
  });

  it("reads a body declared text that is not UTF-8 by its charset, so one stray byte hides nothing", () => {
    const stray = Buffer.concat([Buffer.from("<script>alert(1)</script>"), Buffer.from([0xff])]);
    assert.deepEqual(parseBody(stray, parseMediaType("text/plain"), 64), { kind: "text", value: "<script>alert(1)</script>\ufffd" });
    assert.deepEqual(parseBody(Buffer.concat([Buffer.from("q='"), Buffer.from([0xe9])]), parseMediaType("application/x-www-form-urlencoded"), 64), {
      kind: "form",
      value: Object.assign(Object.create(null), { q: "'\ufffd" }),
    });
    assert.deepEqual(parseBody(Buffer.from("caf\u00e9", "latin1"), parseMediaType("text/csv; charset=iso-8859-1"), 64), { kind: "text", value: "caf\u00e9" });
    assert.deepEqual(parseBody(Buffer.from("\ufeff' OR 1=1--", "utf16le"), parseMediaType("text/plain; charset=utf-16le"), 64), { kind: "text", value: "' OR 1=1--" });
  });

  it("reads a multipart form with a binary file: fields and declared-text files as text, every part's headers, no binary bytes", () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff]);
    const raw = Buffer.concat([
      Buffer.from('--b\r\nContent-Disposition: form-data; name="q"\r\n\r\n\' OR 1=1--\r\n'),
      Buffer.from('--b\r\nContent-Disposition: form-data; name="pic"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n'),
      png,
      Buffer.from('\r\n--b\r\nContent-Disposition: form-data; name="notes"; filename="n.txt"\r\nContent-Type: text/plain\r\n\r\n<script>\r\n'),
      Buffer.from('--b\r\nContent-Disposition: form-data; name="raw"; filename="blob"\r\n\r\n'),
      png,
      Buffer.from("\r\n--b--\r\n"),
    ]);
    const parsed = parseBody(raw, parseMediaType("multipart/form-data; boundary=b"), 64);
    assert.ok(!isBodyProblem(parsed) && parsed.kind === "multipart");
    assert.deepEqual({ ...parsed.fields }, { q: "' OR 1=1--", notes: "<script>" }, "a binary file, typed or not, is not text");
    assert.deepEqual(parsed.headers["pic"], { filename: "a.png", "content-disposition": 'form-data; name="pic"; filename="a.png"', "content-type": "image/png" });
    assert.equal(Object.getPrototypeOf(parsed.fields), null);
  });

  it("refuses a multipart body that is malformed (400) or past the edge's bounds (413)", () => {
    const noBoundary = parseBody(body("--b\r\n"), parseMediaType("multipart/form-data"), 64);
    assert.ok(isBodyProblem(noBoundary) && noBoundary.keyword === "multipart");
    const headers = `Content-Disposition: form-data; name="a"\r\nX-Pad: ${"a".repeat(9000)}`;
    const huge = parseBody(body(`--b\r\n${headers}\r\n\r\n1\r\n--b--\r\n`), parseMediaType("multipart/form-data; boundary=b"), 64);
    assert.ok(isBodyProblem(huge) && huge.keyword === "multipartLimits");
  });

  it("knows text by its media type", () => {
    for (const t of ["text/plain", "text/csv; charset=x", "application/json", "application/problem+json", "application/x-www-form-urlencoded", "application/soap+xml"]) {
      assert.ok(isTextual(parseMediaType(t)), t);
    }
    for (const t of ["application/octet-stream", "image/png", "application/jsonx", "multipart/form-data; boundary=x"]) assert.ok(!isTextual(parseMediaType(t)), t);
    assert.ok(!isTextual(undefined));
  });
});

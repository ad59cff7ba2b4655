import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parsePathTemplate, templateShape } from "../../../src/core/manifest/path.ts";

describe("parsePathTemplate", () => {
  it("parses the root as no segments", () => {
    assert.deepEqual(parsePathTemplate("/"), { segments: [] });
  });

  it("parses literals, parameters and a final greedy parameter", () => {
    assert.deepEqual(parsePathTemplate("/users/{id}/files/{rest+}"), {
      segments: [{ literal: "users" }, { param: "id", greedy: false }, { literal: "files" }, { param: "rest", greedy: true }],
    });
    assert.deepEqual(parsePathTemplate("/v1.2/a_b~c-d"), { segments: [{ literal: "v1.2" }, { literal: "a_b~c-d" }] });
  });

  it("requires a leading slash", () => {
    assert.throws(() => parsePathTemplate("users"), /start with/);
    assert.throws(() => parsePathTemplate(""), /start with/);
  });

  it("refuses empty segments and a trailing slash", () => {
    for (const p of ["//", "/a//b", "/a/"]) assert.throws(() => parsePathTemplate(p), /empty segments/, p);
  });

  it("refuses dot segments (traversal in a route, RFC 3986 §5.2.4)", () => {
    for (const p of ["/a/../b", "/.", "/a/.."]) assert.throws(() => parsePathTemplate(p), /"\." or "\.\."/, p);
  });

  it("refuses a greedy parameter before the last segment", () => {
    assert.throws(() => parsePathTemplate("/{rest+}/x"), /last segment/);
  });

  it("refuses a parameter name used twice", () => {
    assert.throws(() => parsePathTemplate("/{id}/x/{id}"), /twice/);
    assert.throws(() => parsePathTemplate("/{id}/{id+}"), /twice/);
  });

  it("refuses characters outside RFC 3986 unreserved and partial parameters", () => {
    for (const p of ["/a b", "/%2e%2e", "/a?x=1", "/a#b", "/ü", "/{id}.json", "/{}", "/{1id}", "/{id", "/a:b", "/a\\b"]) {
      assert.throws(() => parsePathTemplate(p), Error, p);
    }
  });
});

describe("templateShape", () => {
  it("erases parameter names so equivalent templates compare equal", () => {
    const shape = (p: string) => templateShape(parsePathTemplate(p));
    assert.equal(shape("/users/{id}"), shape("/users/{name}"));
    assert.notEqual(shape("/users/{id}"), shape("/users/{id+}"));
    assert.notEqual(shape("/users/{id}"), shape("/users/me"));
    assert.equal(shape("/"), "/");
  });
});

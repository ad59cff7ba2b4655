// Hostile manifests: each test names the attack it tries and asserts a clean BWK_MANIFEST_INVALID.

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseManifest } from "../../../src/core/manifest/parse.ts";
import { assertAt, invalidYaml, lines } from "./expect-invalid.ts";

describe("parseManifest under attack", () => {
  it("refuses an alias expansion bomb (billion laughs, CWE-776)", () => {
    const bomb = lines(
      "a: &a [x, x, x, x, x, x, x, x, x]",
      "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
      "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
      "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
      "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
    );
    assertAt(invalidYaml(bomb), 1, "");
  });

  it("still accepts a few plain aliases", () => {
    const text = lines("app: a", "functions:", "  f: &fn { handler: f.ts }", "  g: *fn");
    assert.equal(parseManifest(text, "bulwark.yaml").manifest.functions["g"]?.handler, "f.ts");
  });

  it("refuses a file over 1 MiB before parsing it", () => {
    const huge = `app: a\n# ${"x".repeat(1024 * 1024)}\n`;
    assertAt(invalidYaml(huge), 1, "");
  });

  it("counts the limit in UTF-8 bytes, not characters", () => {
    const multibyte = `app: a\n# ${"é".repeat(600 * 1024)}\n`; // 1.2 MB in under 1 Mi characters
    assertAt(invalidYaml(multibyte), 1, "");
  });

  it("refuses deep flow nesting before the parser recurses into it", () => {
    assertAt(invalidYaml(`app: ${"[".repeat(100_000)}`), 1, "");
    assertAt(invalidYaml(lines("app: a", `functions: ${"{a: ".repeat(1000)}`)), 2, "");
  });

  it("refuses deep compact block nesting (- - - -, ? ? ? ?)", () => {
    assertAt(invalidYaml("- ".repeat(100_000)), 1, "");
    assertAt(invalidYaml("? ".repeat(100_000)), 1, "");
  });

  it("refuses deep nesting by indentation", () => {
    const deep = Array.from({ length: 100 }, (_, i) => `${" ".repeat(i)}k:`).join("\n");
    // The 65th key's value is the mapping too deep; it starts on line 66.
    assertAt(invalidYaml(deep), 66, Array(65).fill("k").join("."));
  });

  it("finds a duplicate key among many without yaml's quadratic check", () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}: v`);
    assertAt(invalidYaml(lines(...keys, "k7: again")), 20_001, "k7");
  });

  it("refuses __proto__ as a function name and does not pollute Object.prototype (CWE-1321)", () => {
    const text = lines("app: a", "functions:", "  __proto__:", "    handler: f.ts", "    polluted: true");
    assertAt(invalidYaml(text), 3, "functions.__proto__");
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
    assert.equal(({} as Record<string, unknown>)["handler"], undefined);
  });

  it("refuses __proto__ and constructor as top-level keys", () => {
    assertAt(invalidYaml(lines("app: a", "functions: {f: {handler: f.ts}}", "__proto__: {x: 1}")), 3, "__proto__");
    assertAt(invalidYaml(lines("app: a", "functions: {f: {handler: f.ts}}", "constructor: x")), 3, "constructor");
  });

  it("refuses YAML tags that build objects (!!binary, !!set, custom tags)", () => {
    assertAt(invalidYaml(lines("app: a", "functions: !!set {f}")), 2, "");
    assertAt(invalidYaml(lines("app: !!binary aGVsbG8=", "functions: {f: {handler: f.ts}}")), 1, "");
    assertAt(invalidYaml(lines("app: a", "functions: {f: {handler: !!js/function 'f'}}")), 2, "");
  });

  it("refuses collection keys instead of stringifying them", () => {
    assertAt(invalidYaml(lines("app: a", "? [functions]", ": {f: {handler: f.ts}}")), 2, "");
  });

  it("refuses several documents in one file", () => {
    assertAt(invalidYaml(lines("app: a", "functions: {f: {handler: f.ts}}", "---", "app: b")), 3, "");
  });

  it("keeps terminal escapes and bidi overrides out of the message (CWE-117)", () => {
    const error = invalidYaml(lines("app: a", "functions: {f: {handler: f.ts}}", '"\\e[2J\\u202Eevil": 1'));
    assert.doesNotMatch(error.message, /[\u001b\u202e]/);
    assertAt(error, 3, '["\\u001b[2J\\u202eevil"]');
  });
});

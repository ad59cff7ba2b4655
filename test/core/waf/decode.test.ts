// Normalization: every encoding an application or browser might undo is undone before matching.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalize } from "../../../src/core/waf/decode.ts";

const text = (raw: string, form = false) => normalize(raw, form).text;

describe("normalize: percent-decoding", () => {
  it("decodes once, twice and three times (double encoding, CWE-174)", () => {
    assert.equal(text("%27"), "'");
    assert.equal(text("%2527"), "'");
    assert.equal(text("%252527"), "'");
  });

  it("turns + into a space only in form-encoded input", () => {
    assert.equal(text("union+select", true), "union select");
    assert.equal(text("union+select", false), "union+select");
    assert.equal(text("a%2Bb", false), "a+b");
  });

  it("decodes UTF-8 sequences and the overlong forms lenient decoders accept (CWE-176)", () => {
    assert.equal(text("caf%C3%A9"), "café");
    assert.equal(text("%c0%ae%c0%ae%c0%af"), "../");
    assert.equal(text("%e0%80%ae"), ".");
  });

  it("decodes IIS-style %uXXXX", () => {
    assert.equal(text("%u003cscript%u003e"), "<script>");
  });

  it("leaves a percent sign that starts no valid sequence as it is", () => {
    assert.equal(text("100% cotton, 50%off, %zz, %"), "100% cotton, 50%off, %zz, %");
    assert.equal(text("%ff%fe"), "%ff%fe");
  });

  it("stops after a bounded number of rounds", () => {
    const deep = `%${"25".repeat(20)}27`;
    assert.notEqual(text(deep), "'");
  });
});

describe("normalize: HTML character references", () => {
  it("decodes named, decimal and hex references, with and without semicolons", () => {
    assert.equal(text("&lt;script&gt;"), "<script>");
    assert.equal(text("&LT;b&GT;"), "<b>");
    assert.equal(text("&#60;&#x3C;&#X3c;"), "<<<");
    assert.equal(text("&#60script&#62"), "<script>");
    assert.equal(text("&ltscript&gt"), "<script>");
  });

  it("decodes references with leading zeros and the ones used to rebuild URLs", () => {
    assert.equal(text("&#0000106;avascript&colon;"), "javascript:");
    assert.equal(text("&sol;etc&sol;passwd"), "/etc/passwd");
    assert.equal(text("a&Tab;b"), "a b");
  });

  it("leaves unknown names and plain ampersands alone", () => {
    assert.equal(text("AT&T and R&D &foo;"), "at&t and r&d &foo;");
  });

  it("maps NUL and out-of-range numbers to U+FFFD as browsers do", () => {
    assert.equal(text("&#0;&#x110000;"), "\ufffd\ufffd");
  });

  it("undoes percent-encoded entities in a later round", () => {
    assert.equal(text("%26lt%3Bscript%26gt%3B"), "<script>");
  });
});

describe("normalize: escapes and Unicode", () => {
  it("decodes \\uXXXX, \\u{X} and \\xXX escapes", () => {
    assert.equal(text("\\u003cimg\\u003e"), "<img>");
    assert.equal(text("\\u{3c}b\\u{3E}"), "<b>");
    assert.equal(text("\\x27 or 1=1"), "' or 1=1");
  });

  it("leaves Windows paths that only look like escapes alone", () => {
    assert.equal(text("C:\\Users\\xavier\\u2"), "c:\\users\\xavier\\u2");
  });

  it("folds fullwidth and compatibility forms with NFKC", () => {
    assert.equal(text("＜ｓｃｒｉｐｔ＞"), "<script>");
    assert.equal(text("％２７"), "'");
    assert.equal(text("ſcript"), "script");
  });

  it("lower-cases", () => {
    assert.equal(text("UnIoN SeLeCt"), "union select");
  });
});

describe("normalize: whitespace and views", () => {
  it("folds whitespace runs to one space, or to one newline when they held one", () => {
    assert.equal(text("a \t  b"), "a b");
    assert.equal(text("a \r\n\t b"), "a\nb");
    assert.equal(text("a\u00a0b"), "a b");
  });

  it("keeps NUL in the text view and drops it from the compact view", () => {
    const views = normalize("file.php%00.png", false);
    assert.equal(views.text, "file.php\0.png");
    assert.equal(views.compact, "file.php.png");
  });

  it("turns SQL block comments into spaces and keeps MySQL executable comments' content", () => {
    assert.equal(normalize("UNION/**/SELECT", false).compact, "union select");
    assert.equal(normalize("/*!50000UNION*/ /*!SELECT*/", false).compact, " union select ");
    assert.equal(normalize("a /* unterminated", false).compact, "a /* unterminated");
  });

  it("drops line comments that end before a newline, and keeps a trailing one", () => {
    assert.equal(normalize("union-- x\nselect", false).compact, "union select");
    assert.equal(normalize("union# x\nselect", false).compact, "union select");
    assert.equal(normalize("admin'--", false).compact, "admin'--");
  });

  it("drops invisible format characters from the compact view", () => {
    assert.equal(normalize("uni\u200bon", false).compact, "union");
  });

  it("removes shell quoting tricks in the shell view", () => {
    assert.equal(normalize("c'a't /e\"t\"c/passwd", false).shell, "cat /etc/passwd");
    assert.equal(normalize("w\\ho\\am\\i", false).shell, "whoami");
    assert.equal(normalize("ca$@t", false).shell, "cat");
    assert.equal(normalize("cat${IFS}/etc/passwd", false).shell, "cat /etc/passwd");
    assert.equal(normalize("cat$IFS$9/etc/passwd", false).shell, "cat /etc/passwd");
    assert.equal(normalize("type c:\\windows", false).shell, "type c:\\windows");
  });
});

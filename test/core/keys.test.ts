import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  KV_KEY_MAX_BYTES,
  KV_VALUE_MAX_BYTES,
  OBJECT_KEY_MAX_BYTES,
  OBJECT_MAX_BYTES,
  validateKvKey,
  validateKvPrefix,
  validateObjectKey,
  validateObjectPrefix,
} from "../../src/core/keys.ts";

function refusedWith(fn: () => void, rule: string): void {
  assert.throws(fn, (e: unknown) => {
    const err = e as { code?: string; extra?: { rule?: string }; message: string };
    assert.equal(err.code, "BWK_INVALID_ARGUMENT");
    assert.equal(err.extra?.rule, rule);
    assert.doesNotMatch(err.message, /\n/);
    return true;
  });
}

describe("limits", () => {
  test("are the documented sizes", () => {
    assert.equal(KV_KEY_MAX_BYTES, 512);
    assert.equal(OBJECT_KEY_MAX_BYTES, 1024);
    assert.equal(KV_VALUE_MAX_BYTES, 256 * 1024);
    assert.equal(OBJECT_MAX_BYTES, 10 * 1024 * 1024);
  });
});

describe("validateKvKey", () => {
  const accepted = ["a", "user:42", "order/2024/07", "../not-a-path-in-kv", "é", "😀", "x".repeat(512), "é".repeat(256), "%2e%2e"];
  for (const key of accepted) {
    test(`accepts ${JSON.stringify(key.slice(0, 24))}`, () => validateKvKey(key));
  }

  const refused: Array<[string, unknown, string]> = [
    ["a number", 42, "not-a-string"],
    ["null", null, "not-a-string"],
    ["an array", ["a"], "not-a-string"],
    ["the empty key", "", "empty"],
    ["513 ASCII bytes", "x".repeat(513), "too-long"],
    ["257 two-byte characters (514 bytes)", "é".repeat(257), "too-long"],
    ["129 four-byte characters (516 bytes)", "😀".repeat(129), "too-long"],
    ["a lone high surrogate", "a\ud800b", "not-utf8"],
    ["a lone low surrogate", "\udc00", "not-utf8"],
    ["NUL", "a\u0000b", "control-char"],
    ["a newline (log injection)", "a\nb", "control-char"],
    ["a carriage return", "a\rb", "control-char"],
    ["a tab", "a\tb", "control-char"],
    ["ESC (terminal escapes)", "\u001b[31m", "control-char"],
    ["DEL", "a\u007f", "control-char"],
    ["a C1 control", "a\u0085", "control-char"],
    ["a Unicode line separator", "a\u2028b", "control-char"],
    ["a right-to-left override (Trojan Source)", "a\u202eb", "control-char"],
    ["a bidi isolate", "a\u2066b", "control-char"],
  ];
  for (const [title, key, rule] of refused) {
    test(`refuses ${title}`, () => refusedWith(() => validateKvKey(key), rule));
  }
});

describe("validateObjectKey", () => {
  const accepted = [
    "receipt.pdf",
    "2024/07/receipt-42.pdf",
    "a/b/c/d",
    ".hidden",
    "a/.well-known/x",
    "file.",
    "..a",
    "a..",
    "a/..b/c",
    "report%20final.pdf",
    "100%.txt",
    "%zz",
    "ab:c",
    "%u2215etc",
    "C",
    "c/d:e",
    "写真/猫.jpg",
    "hearts/\u2764\ufe0f.png",
    "x".repeat(1024),
  ];
  for (const key of accepted) {
    test(`accepts ${JSON.stringify(key.slice(0, 24))}`, () => validateObjectKey(key));
  }

  // Traversal spellings from real-world path traversal corpora.
  const traversal: Array<[string, string]> = [
    ["..", "dot-segment"],
    [".", "dot-segment"],
    ["../etc/passwd", "dot-segment"],
    ["a/../../etc/passwd", "dot-segment"],
    ["a/./b", "dot-segment"],
    ["a/..", "dot-segment"],
    ["...", "dot-segment"],
    [". .", "dot-segment"],
    [".. ", "dot-segment"],
    ["a/.../b", "dot-segment"],
    ["/etc/passwd", "leading-slash"],
    ["/", "leading-slash"],
    ["//server/share", "leading-slash"],
    ["..\\..\\windows\\win.ini", "backslash"],
    ["a\\b", "backslash"],
    ["\\\\server\\share", "backslash"],
    ["C:", "drive-letter"],
    ["c:/windows/win.ini", "drive-letter"],
    ["C:file", "drive-letter"],
    ["a//b", "empty-segment"],
    ["a/", "empty-segment"],
    ["%2e%2e/etc/passwd", "encoded-traversal"],
    ["%2E%2E/etc/passwd", "encoded-traversal"],
    ["%2e%2E", "encoded-traversal"],
    [".%2e", "encoded-traversal"],
    ["%2e.", "encoded-traversal"],
    ["%2e", "encoded-traversal"],
    ["a/%2e%2e/b", "encoded-traversal"],
    ["..%2fetc%2fpasswd", "encoded-traversal"],
    ["a%2f..%2f..%2fetc", "encoded-traversal"],
    ["a%2Fb", "encoded-traversal"],
    ["a%5cb", "encoded-traversal"],
    ["..%5c..%5cwin.ini", "encoded-traversal"],
    ["%252e%252e", "encoded-traversal"],
    ["%25252e%25252e", "encoded-traversal"],
    ["a%252fb", "encoded-traversal"],
    ["%u002e%u002e", "encoded-traversal"],
    ["a:b", "drive-letter"],
    ["a%00.pdf", "encoded-traversal"],
    ["a%0d%0aSet-Cookie", "encoded-traversal"],
    ["%43:", "encoded-traversal"],
    ["%c0%ae%c0%ae", "malformed-encoding"],
    ["%e0%80%ae", "malformed-encoding"],
    ["%c0%af", "malformed-encoding"],
    ["%ff", "malformed-encoding"],
    ["．．/etc/passwd", "encoded-traversal"],
    ["‥/etc", "encoded-traversal"],
    ["a／b", "encoded-traversal"],
    ["a＼b", "encoded-traversal"],
    ["%ef%bc%8e%ef%bc%8e", "encoded-traversal"],
    ["Ｃ：", "encoded-traversal"],
    // Invisible characters that render as nothing and that IDNA mapping and sanitizers drop.
    ["a/..\u200b/b", "encoded-traversal"],
    ["\u200b../etc", "encoded-traversal"],
    [".\u00ad./etc", "encoded-traversal"],
    ["..\ufeff/etc", "encoded-traversal"],
    ["..\u2060", "encoded-traversal"],
    ["..%e2%80%8b/etc", "encoded-traversal"],
    ["．\u200d．/etc", "encoded-traversal"],
    ["a\u0000.pdf", "control-char"],
    ["a\nb", "control-char"],
    ["x".repeat(1025), "too-long"],
    ["", "empty"],
  ];
  for (const [key, rule] of traversal) {
    test(`refuses ${JSON.stringify(key.slice(0, 32))} (${rule})`, () => refusedWith(() => validateObjectKey(key), rule));
  }
});

describe("list prefixes", () => {
  test("an empty prefix lists everything", () => {
    validateKvPrefix("");
    validateObjectPrefix("");
  });
  test("an object prefix may end in one /", () => {
    validateObjectPrefix("2024/07/");
    validateObjectPrefix("2024/07/rec");
  });
  const refused: Array<[string, () => void, string]> = [
    ["a lone /", () => validateObjectPrefix("/"), "leading-slash"],
    ["a doubled trailing /", () => validateObjectPrefix("a//"), "empty-segment"],
    ["a traversal prefix", () => validateObjectPrefix("../"), "dot-segment"],
    ["an encoded traversal prefix", () => validateObjectPrefix("%2e%2e/"), "encoded-traversal"],
    ["a non-string object prefix", () => validateObjectPrefix(undefined), "not-a-string"],
    ["a KV prefix with NUL", () => validateKvPrefix("a\u0000"), "control-char"],
    ["an oversized KV prefix", () => validateKvPrefix("x".repeat(513)), "too-long"],
  ];
  for (const [title, fn, rule] of refused) {
    test(`refuses ${title}`, () => refusedWith(fn, rule));
  }
});

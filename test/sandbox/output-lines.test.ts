// LineSplitter turns a sandbox's raw output into bounded log lines (CWE-400).

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { LineSplitter, MAX_LINE_CHARS } from "../../src/sandbox/output-lines.ts";

function split(chunks: string[]): string[] {
  const lines: string[] = [];
  const splitter = new LineSplitter((line) => lines.push(line));
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return lines;
}

describe("LineSplitter", () => {
  it("joins lines across chunks and drops CR and empty lines", () => {
    assert.deepEqual(split(["one\r\ntw", "o\n\nthr", "ee"]), ["one", "two", "three"]);
  });

  it("cuts a line that never ends instead of buffering it", () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    for (let i = 0; i < 10; i++) splitter.push("x".repeat(MAX_LINE_CHARS / 2));
    assert.equal(lines.length, 5);
    assert.ok(lines.every((line) => line.length === MAX_LINE_CHARS));
  });

  it("cuts an overlong line that arrives in one chunk", () => {
    const lines = split([`${"y".repeat(MAX_LINE_CHARS * 2 + 3)}\n`]);
    assert.deepEqual(lines.map((line) => line.length), [MAX_LINE_CHARS, MAX_LINE_CHARS, 3]);
  });
});

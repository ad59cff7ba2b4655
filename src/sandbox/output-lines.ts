// Splits a sandbox's raw stdout/stderr into log lines without trusting it: a line that never
// ends is cut at MAX_LINE_CHARS instead of growing in the platform's memory (CWE-400).

export const MAX_LINE_CHARS = 16 * 1024;

export class LineSplitter {
  #pending = "";
  readonly #emit: (line: string) => void;

  constructor(emit: (line: string) => void) {
    this.#emit = emit;
  }

  push(chunk: string): void {
    const text = this.#pending + chunk;
    let start = 0;
    for (let newline = text.indexOf("\n"); newline !== -1; newline = text.indexOf("\n", start)) {
      this.#emitCut(text.slice(start, newline));
      start = newline + 1;
    }
    let rest = text.slice(start);
    while (rest.length >= MAX_LINE_CHARS) {
      this.#emit(rest.slice(0, MAX_LINE_CHARS));
      rest = rest.slice(MAX_LINE_CHARS);
    }
    this.#pending = rest;
  }

  end(): void {
    if (this.#pending !== "") this.#emitCut(this.#pending);
    this.#pending = "";
  }

  #emitCut(line: string): void {
    const trimmed = line.endsWith("\r") ? line.slice(0, -1) : line;
    for (let start = 0; start < trimmed.length; start += MAX_LINE_CHARS) {
      this.#emit(trimmed.slice(start, start + MAX_LINE_CHARS));
    }
  }
}

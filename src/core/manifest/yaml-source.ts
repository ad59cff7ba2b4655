// bulwark.yaml text → plain data plus a locator into the source. The text may come from anyone who
// can deploy, so each step bounds its cost (CWE-400) before the next one runs:
// size cap → nesting scan on the lexer's tokens → parse → key walk → toJS with an alias cap.

import { CST, Lexer, LineCounter, isMap, isScalar, isSeq, parseDocument, type Document, type YAMLError } from "yaml";
import { manifestError, quote, type Anchor, type Locator, type Path, type Position } from "./problem.ts";
import { LIMITS } from "./types.ts";

/**
 * Deeper than any manifest needs. Deep input is where the yaml parser is slowest and overflows its
 * stack: 1 MiB of "- [" took it 13 s here, while the scan below refuses it within microseconds.
 */
const MAX_NESTING = 64;
/** Caps alias expansion ("billion laughs", CWE-776): a reference count, not a byte count. */
const MAX_ALIAS_COUNT = 50;
/** Lexer tokens that mark a mode and are not source text. */
const CONTROL_TOKENS = new Set(["\x02", "\x18", "\x1f"]);

export interface YamlSource {
  data: unknown;
  locate: Locator;
}

export function readYaml(text: string, file: string): YamlSource {
  const fail = (reason: string, at: Position = { line: 1, column: 1 }, field: Path = []): never => {
    throw manifestError(file, at, field, reason);
  };
  if (Buffer.byteLength(text, "utf8") > LIMITS.maxManifestBytes) {
    fail(`the manifest is larger than ${LIMITS.maxManifestBytes / 1024 ** 2} MiB`);
  }

  const lineCounter = new LineCounter();
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line, column: col };
  };
  scanNesting(text, (offset) => fail(`nests collections more than ${MAX_NESTING} levels deep`, linePos(text, offset)));

  const doc = parseDocument(text, {
    lineCounter,
    stringKeys: true, // non-scalar keys are errors; `true:` is the key "true"
    uniqueKeys: false, // checked below in linear time; yaml's own check is quadratic
    resolveKnownTags: false, // no !!binary, !!set, !!timestamp: a manifest is strings, numbers, booleans
    merge: false,
    logLevel: "error",
  });
  const problem = doc.errors[0] ?? doc.warnings[0];
  if (problem !== undefined) fail(yamlReason(problem), position(problemOffset(problem, text)));
  if (doc.contents === null) fail("the manifest is empty");
  checkKeys(doc, (field, reason, offset) => fail(reason, position(offset), field));

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    // The only failure of toJS on a document without errors is the alias cap.
    fail(`uses YAML aliases too many times (at most ${MAX_ALIAS_COUNT} expansions)`);
  }
  return { data, locate: locator(doc, position) };
}

/**
 * Rejects deep flow collections ("[[[[") and deep compact block nesting ("- - - -", "? ? ?")
 * from the lexer's tokens, which cost linear time and stop at the first offender.
 */
function scanNesting(text: string, tooDeep: (offset: number) => never): void {
  let offset = 0;
  let flow = 0;
  let onLine = 0;
  for (const token of new Lexer().lex(text)) {
    switch (CST.tokenType(token)) {
      case "flow-map-start":
      case "flow-seq-start":
        flow += 1;
        break;
      case "flow-map-end":
      case "flow-seq-end":
        flow = Math.max(0, flow - 1);
        break;
      case "seq-item-ind":
      case "explicit-key-ind":
        onLine += 1;
        break;
      case "newline":
        onLine = 0;
        break;
    }
    if (flow + onLine > MAX_NESTING) tooDeep(offset);
    if (!CONTROL_TOKENS.has(token)) offset += token.length;
  }
}

/** Position of an offset without a LineCounter (the scan runs before the parser fills one). */
function linePos(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf("\n") + 1;
  return { line: before.split("\n").length, column: offset - lineStart + 1 };
}

/** Finds duplicate keys (one Set per mapping) and collections nested too deeply by indentation. */
function checkKeys(doc: Document, fail: (field: Path, reason: string, offset: number) => never): void {
  const stack: { node: unknown; path: Path }[] = [{ node: doc.contents, path: [] }];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { node, path } = next;
    if (path.length > MAX_NESTING) fail(path, `nests collections more than ${MAX_NESTING} levels deep`, rangeStart(node));
    const children: { node: unknown; path: Path }[] = [];
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : "";
        if (seen.has(key)) fail([...path, key], `duplicate key ${quote(key)}`, rangeStart(pair.key));
        seen.add(key);
        children.push({ node: pair.value, path: [...path, key] });
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => children.push({ node: item, path: [...path, i] }));
    }
    stack.push(...children.reverse()); // report the first problem in document order
  }
}

function rangeStart(node: unknown): number {
  const range = (node as { range?: [number, number, number] | null } | null)?.range;
  return range?.[0] ?? 0;
}

/**
 * Points at a value (or at the key holding it). A path that leaves the document points at the
 * deepest node it reached, so a missing key is reported at the mapping that should hold it.
 */
function locator(doc: Document, position: (offset: number) => Position): Locator {
  return ({ path, key }: Anchor): Position => {
    let node: unknown = doc.contents;
    let keyNode: unknown = undefined;
    for (const step of path) {
      const pair = isMap(node) ? node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step)) : undefined;
      const item = isSeq(node) && typeof step === "number" ? node.items[step] : undefined;
      if (pair !== undefined) {
        keyNode = pair.key;
        node = pair.value ?? pair.key;
      } else if (item !== undefined) {
        keyNode = undefined;
        node = item;
      } else {
        break;
      }
    }
    return position(rangeStart(key && keyNode !== undefined ? keyNode : node));
  };
}

/** An error at the end of the input (an unclosed bracket or quote) points at the last line with content. */
function problemOffset(problem: YAMLError, text: string): number {
  return Math.max(0, Math.min(problem.pos[0], text.trimEnd().length - 1));
}

function yamlReason(problem: YAMLError): string {
  const first = problem.message.split("\n")[0] ?? "";
  const text = first.replace(/ at line \d+, column \d+:?$/, "");
  if (problem.code === "MULTIPLE_DOCS") return "must contain one YAML document, not several";
  // Inside { } or [ ], a plain value ends at { } [ ] or , (YAML 1.2 §7.3.3): the common mistake.
  if (problem.code === "UNEXPECTED_TOKEN" && /flow-(map|seq)-start at node end/.test(text)) {
    return `invalid YAML: ${text}; inside { } or [ ], quote values that contain { } [ ] or , (path: "/users/{id}")`;
  }
  if (problem.code === "RESOURCE_EXHAUSTION") return "nests collections too deeply";
  if (problem.code === "TAG_RESOLVE_FAILED") return `uses an unsupported YAML tag (${text})`;
  return `invalid YAML: ${text}`;
}

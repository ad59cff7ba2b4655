// JSON nesting limits, checked without recursion. A body of 100k "[" parses fine with
// JSON.parse, then overflows the stack of every recursive walker after it (schema validation,
// the WAF, the handler's own code): CWE-674, uncontrolled recursion. Scanning the raw text first
// refuses such a body in one linear pass, before any parser allocates the tree.

export type JsonDepthResult =
  | { ok: true; depth: number }
  /** `offset` (text input only) is the index of the bracket that went past the limit. */
  | { ok: false; depth: number; offset?: number };

/**
 * Depth is the number of enclosing arrays/objects: `1` is 0, `[]` is 1, `{"a":[1]}` is 2.
 * Text is scanned, not validated: brackets inside strings do not count, and whatever is not JSON
 * is left for JSON.parse to refuse. A parsed value (a tree, as JSON.parse makes) is walked with
 * an explicit stack; when the limit is passed the walk stops, so even a cyclic object terminates.
 */
export function checkJsonDepth(input: string | unknown, maxDepth: number): JsonDepthResult {
  return typeof input === "string" ? scanText(input, maxDepth) : walkValue(input, maxDepth);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

function scanText(text: string, maxDepth: number): JsonDepthResult {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++; // the escaped character cannot end the string
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_BRACKET || c === OPEN_BRACE) {
      depth++;
      if (depth > maxDepth) return { ok: false, depth, offset: i };
      if (depth > deepest) deepest = depth;
    } else if ((c === CLOSE_BRACKET || c === CLOSE_BRACE) && depth > 0) depth--;
  }
  return { ok: true, depth: deepest };
}

function walkValue(root: unknown, maxDepth: number): JsonDepthResult {
  let deepest = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value: root, depth: 0 }];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { value, depth } = item;
    if (typeof value !== "object" || value === null) continue;
    const inner = depth + 1;
    if (inner > maxDepth) return { ok: false, depth: inner };
    if (inner > deepest) deepest = inner;
    const children = Array.isArray(value) ? value : Object.values(value);
    for (const child of children) {
      if (typeof child === "object" && child !== null) stack.push({ value: child, depth: inner });
    }
  }
  return { ok: true, depth: deepest };
}

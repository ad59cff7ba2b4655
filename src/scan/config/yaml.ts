// YAML for configuration files, with the CloudFormation short-form intrinsics (!Ref, !GetAtt,
// !Sub, …) that SAM templates use, and positions for findings: locate(["functions", "a",
// "timeout"]) gives the line and column of that field, or of its nearest existing parent.
import { isMap, isSeq, LineCounter, type Node, parseDocument } from "yaml";
import { BulwarkError } from "../../core/errors.ts";

const INTRINSICS = [
  "Ref", "GetAtt", "Sub", "Join", "Select", "Split", "FindInMap", "ImportValue", "Base64", "Cidr", "GetAZs",
  "If", "Equals", "And", "Or", "Not", "Condition", "Transform", "ToJsonString", "Length",
];

const customTags = INTRINSICS.flatMap((name) => {
  const key = name === "Ref" || name === "Condition" ? name : `Fn::${name}`;
  return [
    { tag: `!${name}`, resolve: (s: string) => ({ [key]: s }) },
    { tag: `!${name}`, collection: "seq" as const, resolve: (seq: { toJSON(): unknown }) => ({ [key]: seq.toJSON() }) },
    { tag: `!${name}`, collection: "map" as const, resolve: (map: { toJSON(): unknown }) => ({ [key]: map.toJSON() }) },
  ];
});

export type FieldPath = ReadonlyArray<string | number>;

export interface Located {
  value: unknown;
  locate(path: FieldPath): { line: number; column: number };
}

export function parseYaml(text: string, file: string): Located {
  const lineCounter = new LineCounter();
  // yaml bounds alias expansion (maxAliasCount) against billion-laughs documents.
  const doc = parseDocument(text, { customTags, lineCounter, prettyErrors: false, uniqueKeys: true });
  const error = doc.errors[0];
  if (error) {
    const at = lineCounter.linePos(error.pos[0]);
    throw new BulwarkError("BWK_MANIFEST_INVALID", `${file}:${at.line}:${at.col}: ${error.message.split("\n")[0]}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new BulwarkError("BWK_MANIFEST_INVALID", `${file}: ${(e as Error).message.split("\n")[0]}`);
  }
  return {
    value,
    locate(path) {
      for (let n = path.length; n > 0; n--) {
        const at = keyStart(doc.contents, path.slice(0, n));
        if (at !== undefined) {
          const pos = lineCounter.linePos(at);
          return { line: pos.line, column: pos.col };
        }
      }
      return { line: 1, column: 1 };
    },
  };
}

/** The position of a map key (`timeout:`), which reads better in a report than its value's. */
function keyStart(root: unknown, path: FieldPath): number | undefined {
  let node = root;
  let start: number | undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
      if (!pair) return undefined;
      start = (pair.key as Node | null)?.range?.[0];
      node = pair.value;
    } else if (isSeq(node) && typeof key === "number") {
      node = node.items[key];
      start = (node as Node | undefined)?.range?.[0];
    } else return undefined;
  }
  return start;
}

/** `functions.charge.triggers[0].http.auth` */
export function fieldName(path: FieldPath): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

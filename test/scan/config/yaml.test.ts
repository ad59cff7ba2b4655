// YAML with CloudFormation intrinsics, positions, and refusal of broken or hostile documents.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fieldName, parseYaml } from "../../../src/scan/config/yaml.ts";

describe("parseYaml", () => {
  it("reads SAM's short-form intrinsics as their long forms", () => {
    const { value } = parseYaml("A: !Ref X\nB: !GetAtt Role.Arn\nC: !Sub\n  - arn:${P}\n  - { P: 1 }\nD: !Join [',', [a, !Ref Y]]\n", "t.yaml");
    assert.deepEqual(value, {
      A: { Ref: "X" },
      B: { "Fn::GetAtt": "Role.Arn" },
      C: { "Fn::Sub": ["arn:${P}", { P: 1 }] },
      D: { "Fn::Join": [",", ["a", { Ref: "Y" }]] },
    });
  });

  it("locates a field, or its nearest existing parent", () => {
    const { locate } = parseYaml("a:\n  b:\n    - x\n    - c: 1\n", "t.yaml");
    assert.deepEqual(locate(["a", "b", 1, "c"]), { line: 4, column: 7 });
    assert.deepEqual(locate(["a", "b", 1, "missing"]), { line: 4, column: 7 });
    assert.deepEqual(locate(["nothing"]), { line: 1, column: 1 });
  });

  it("refuses invalid YAML with BWK_MANIFEST_INVALID naming file and line", () => {
    assert.throws(() => parseYaml("a: [1, 2\nb: 3\n", "bulwark.yaml"), (e: Error & { code?: string }) => e.code === "BWK_MANIFEST_INVALID" && /^bulwark\.yaml:\d+:\d+: /.test(e.message));
    assert.throws(() => parseYaml("a: 1\na: 2\n", "bulwark.yaml"), { code: "BWK_MANIFEST_INVALID" });
  });

  it("refuses an alias bomb instead of expanding it", () => {
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 10; i++) bomb.push(`${"b".repeat(i)}: &${"b".repeat(i)} [${Array(10).fill(i === 1 ? "*a" : `*${"b".repeat(i - 1)}`).join(", ")}]`);
    assert.throws(() => parseYaml(bomb.join("\n"), "bomb.yaml"), { code: "BWK_MANIFEST_INVALID" });
  });

  it("names fields the way findings print them", () => {
    assert.equal(fieldName(["functions", "a", "triggers", 0, "http", "auth"]), "functions.a.triggers[0].http.auth");
  });
});

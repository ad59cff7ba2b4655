import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseManifest } from "../../../src/core/manifest/parse.ts";
import { assertAt, invalidYaml, lines } from "./expect-invalid.ts";

const withRedact = (list: string) =>
  lines("app: shop", "functions:", "  signup:", "    handler: h.js", `    redact: ${list}`);

describe("manifest redact: PII paths per function", () => {
  it("keeps the configured paths on the function", () => {
    const { manifest } = parseManifest(withRedact('[body.ssn, "body.cards[*].pan", "headers[\\"x-patient-id\\"]"]'), "bulwark.yaml");

    assert.deepEqual(manifest.functions["signup"]!.redact, ["body.ssn", "body.cards[*].pan", 'headers["x-patient-id"]']);
  });

  it("leaves redact out when none is configured", () => {
    const { manifest } = parseManifest(lines("app: shop", "functions:", "  signup:", "    handler: h.js"), "bulwark.yaml");

    assert.equal(manifest.functions["signup"]!.redact, undefined);
  });

  for (const bad of ["a..b", ".ssn", "body.", "'body ssn'", "'body[0]'", '"body[*"', "''"]) {
    it(`refuses the malformed path ${bad}`, () => {
      assertAt(invalidYaml(withRedact(`[${bad}]`)), 5, "functions.signup.redact[0]");
    });
  }

  it("refuses a path list that is not a list of strings", () => {
    assertAt(invalidYaml(withRedact("body.ssn")), 5, "functions.signup.redact");
  });

  it("refuses the same path twice", () => {
    assertAt(invalidYaml(withRedact("[body.ssn, body.ssn]")), 5, "functions.signup.redact");
  });
});

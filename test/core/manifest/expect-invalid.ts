// Shared by the manifest tests: run the parser and return the BWK_MANIFEST_INVALID it must throw.

import assert from "node:assert/strict";
import { BulwarkError } from "../../../src/core/errors.ts";
import { parseManifest } from "../../../src/core/manifest/parse.ts";

/** YAML from lines, so a test reads its expected line numbers off the list (first line is 1). */
export function lines(...ls: string[]): string {
  return `${ls.join("\n")}\n`;
}

export function invalid(run: () => unknown): BulwarkError {
  try {
    run();
  } catch (e) {
    assert.ok(e instanceof BulwarkError, `expected a BulwarkError, got ${String(e)}`);
    assert.equal(e.code, "BWK_MANIFEST_INVALID");
    return e;
  }
  return assert.fail("expected BWK_MANIFEST_INVALID, but the manifest was accepted");
}

export function invalidYaml(text: string): BulwarkError {
  return invalid(() => parseManifest(text, "bulwark.yaml"));
}

/** Asserts where an error points: line and field (the dotted path users read). */
export function assertAt(error: BulwarkError, line: number, field: string): void {
  assert.deepEqual({ line: error.extra["line"], field: error.extra["field"] }, { line, field });
}

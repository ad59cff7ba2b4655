// One test per class of manifest error: each asserts the code (via invalidYaml) and where it points.

import { describe, it } from "node:test";
import { assertAt, invalidYaml, lines } from "./expect-invalid.ts";

/** A valid manifest whose function `charge` gets the extra lines given (indented under it). */
function withCharge(...extra: string[]): string {
  return lines("app: payments", "functions:", "  charge:", "    handler: src/charge.ts", ...extra.map((l) => `    ${l}`));
}

describe("parseManifest errors", () => {
  it("reports YAML syntax errors at the parser's line", () => {
    // Unclosed at the end of the file: the last line with content, not the empty line after it.
    assertAt(invalidYaml(lines("app: payments", "functions: [")), 2, "");
    // An unquoted {param} inside a flow mapping is not YAML (YAML 1.2 §7.3.3).
    assertAt(invalidYaml(withCharge("triggers:", "  - http: { method: GET, path: /u/{id}, auth: none }")), 6, "");
    assertAt(invalidYaml(lines("app: a", "\tfunctions: {}")), 2, "");
    assertAt(invalidYaml(lines("app: payments", "functions:", "  charge: {handler: a.ts", "  x: 1")), 4, "");
  });

  it("reports a duplicate key at its second occurrence", () => {
    assertAt(invalidYaml(withCharge("memory: 128Mi", "memory: 256Mi")), 6, "functions.charge.memory");
    assertAt(invalidYaml(lines("app: a", "app: b", "functions: {f: {handler: f.ts}}")), 2, "app");
  });

  it("refuses a top level that is not a mapping", () => {
    assertAt(invalidYaml(lines("- app: payments")), 1, "");
    assertAt(invalidYaml(lines("payments")), 1, "");
  });

  it("refuses an empty file and a file of comments", () => {
    assertAt(invalidYaml(""), 1, "");
    assertAt(invalidYaml(lines("# nothing here", "")), 1, "");
  });

  it("names unknown keys at every level", () => {
    assertAt(invalidYaml(lines("app: a", "functions: {f: {handler: f.ts}}", "region: eu")), 3, "region");
    assertAt(invalidYaml(withCharge("memroy: 128Mi")), 5, "functions.charge.memroy");
    assertAt(invalidYaml(withCharge("sandbox: { network: true }")), 5, "functions.charge.sandbox.network");
    assertAt(invalidYaml(withCharge("triggers:", "  - http: { method: GET, path: /, cors: true }")), 6, "functions.charge.triggers[0].http.cors");
    assertAt(invalidYaml(withCharge("triggers:", "  - cron: '* * * * *'")), 6, "functions.charge.triggers[0].cron");
  });

  it("refuses values of the wrong type", () => {
    assertAt(invalidYaml(withCharge("memory: [128Mi]")), 5, "functions.charge.memory");
    assertAt(invalidYaml(withCharge("memory:")), 5, "functions.charge.memory");
    assertAt(invalidYaml(withCharge("concurrency: '8'")), 5, "functions.charge.concurrency");
    assertAt(invalidYaml(withCharge("concurrency: 2.5")), 5, "functions.charge.concurrency");
    assertAt(invalidYaml(withCharge("timeout: 5")), 5, "functions.charge.timeout");
    assertAt(invalidYaml(withCharge("sandbox: { tmpWrite: yes }")), 5, "functions.charge.sandbox.tmpWrite");
    assertAt(invalidYaml(withCharge("triggers: { http: { method: GET, path: / } }")), 5, "functions.charge.triggers");
    assertAt(invalidYaml(lines("app: 42", "functions: {f: {handler: f.ts}}")), 1, "app");
  });

  it("reports missing required keys at the mapping that lacks them", () => {
    assertAt(invalidYaml(lines("functions: {f: {handler: f.ts}}")), 1, "app");
    assertAt(invalidYaml(lines("app: payments")), 1, "functions");
    assertAt(invalidYaml(lines("app: a", "functions:", "  charge:", "    memory: 128Mi")), 3, "functions.charge.handler");
    assertAt(invalidYaml(withCharge("triggers:", "  - http: { path: / }")), 6, "functions.charge.triggers[0].http.method");
  });

  it("refuses sizes and durations it cannot read", () => {
    assertAt(invalidYaml(withCharge("memory: lots")), 5, "functions.charge.memory");
    assertAt(invalidYaml(withCharge("memory: 64M")), 5, "functions.charge.memory");
    assertAt(invalidYaml(withCharge("memory: -128Mi")), 5, "functions.charge.memory");
    assertAt(invalidYaml(withCharge("timeout: 1m30s")), 5, "functions.charge.timeout");
    assertAt(invalidYaml(withCharge("timeout: 1.5s")), 5, "functions.charge.timeout");
  });

  it("refuses values outside their ranges", () => {
    for (const line of ["memory: 32Mi", "memory: 8Gi", "memory: 1024", "timeout: 50ms", "timeout: 16m", "concurrency: 0", "concurrency: 257"]) {
      assertAt(invalidYaml(withCharge(line)), 5, `functions.charge.${line.split(":")[0]}`);
    }
    for (const n of [0, 65, 2.5]) assertAt(invalidYaml(withCharge(`sandbox: { invocations: ${n} }`)), 5, "functions.charge.sandbox.invocations");
  });

  it("refuses app and function names outside ^[a-z][a-z0-9-]{0,62}$", () => {
    assertAt(invalidYaml(lines("app: Payments", "functions: {f: {handler: f.ts}}")), 1, "app");
    assertAt(invalidYaml(lines("app: a", "functions:", "  Charge: {handler: f.ts}")), 3, "functions.Charge");
    assertAt(invalidYaml(lines("app: a", "functions:", "  1charge: {handler: f.ts}")), 3, "functions.1charge");
    const long = `f${"x".repeat(63)}`;
    assertAt(invalidYaml(lines("app: a", "functions:", `  ${long}: {handler: f.ts}`)), 3, `functions.${long}`);
  });

  it("refuses an empty functions mapping", () => {
    assertAt(invalidYaml(lines("app: a", "functions: {}")), 2, "functions");
    assertAt(invalidYaml(lines("app: a", "functions:")), 2, "functions");
  });

  it("refuses handler paths that leave the app directory or are not modules (CWE-22)", () => {
    for (const handler of ["../secrets.ts", "src/../../x.ts", "/etc/x.ts", "'C:/x.ts'", "'src\\x.ts'", "src//x.ts", "src/x.py", ".ts", "''"]) {
      assertAt(invalidYaml(lines("app: a", "functions:", "  f:", `    handler: ${handler}`)), 4, "functions.f.handler");
    }
  });

  it("refuses an export that is not a JavaScript identifier", () => {
    assertAt(invalidYaml(withCharge("export: my-handler")), 5, "functions.charge.export");
  });

  it("refuses lower-case methods, unknown methods and unknown auth modes", () => {
    assertAt(invalidYaml(withCharge("triggers:", "  - http: { method: post, path: / }")), 6, "functions.charge.triggers[0].http.method");
    assertAt(invalidYaml(withCharge("triggers:", "  - http: { method: TRACE, path: / }")), 6, "functions.charge.triggers[0].http.method");
    assertAt(invalidYaml(withCharge("triggers:", "  - http: { method: GET, path: /, auth: basic }")), 6, "functions.charge.triggers[0].http.auth");
  });

  it("refuses bad route paths", () => {
    for (const path of ["charge", "/a//b", "/a/", "/a/../b", "'/{rest+}/x'", "'/{id}/{id}'", "/a%20b"]) {
      const text = withCharge("triggers:", `  - http: { method: GET, path: ${path} }`);
      assertAt(invalidYaml(text), 6, "functions.charge.triggers[0].http.path");
    }
  });

  it("refuses a trigger that names no kind or two kinds", () => {
    assertAt(invalidYaml(withCharge("triggers:", "  - {}")), 6, "functions.charge.triggers[0]");
  });

  it("refuses the same route declared twice, whatever its parameter names", () => {
    const twice = (a: string, b: string) =>
      lines(
        "app: a",
        "functions:",
        "  f:",
        "    handler: f.ts",
        `    triggers: [{ http: ${a} }]`,
        "  g:",
        "    handler: g.ts",
        `    triggers: [{ http: ${b} }]`,
      );
    const field = "functions.g.triggers[0].http.path";
    assertAt(invalidYaml(twice("{ method: GET, path: /x, auth: none }", "{ method: GET, path: /x, auth: none }")), 8, field);
    assertAt(invalidYaml(twice("{ method: GET, path: '/u/{id}', auth: none }", "{ method: GET, path: '/u/{name}', auth: none }")), 8, field);
    assertAt(invalidYaml(twice("{ method: ANY, path: /x, auth: none }", "{ method: DELETE, path: /x, auth: none }")), 8, field);
    assertAt(invalidYaml(twice("{ method: POST, path: /x, auth: none }", "{ method: ANY, path: /x, auth: none }")), 8, field);
    const sameFunction = withCharge("triggers:", "  - http: { method: GET, path: /, auth: none }", "  - http: { method: GET, path: /, auth: none }");
    assertAt(invalidYaml(sameFunction), 7, "functions.charge.triggers[1].http.path");
  });
});

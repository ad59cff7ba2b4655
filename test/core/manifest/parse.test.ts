import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseManifest, validateManifestObject } from "../../../src/core/manifest/parse.ts";
import { DEFAULTS } from "../../../src/core/manifest/types.ts";
import { assertAt, invalid, lines } from "./expect-invalid.ts";

const FULL = lines(
  "app: payments",
  "jwt: { issuer: https://id.example.com/, audience: payments, jwksUrl: https://id.example.com/jwks.json }",
  "functions:",
  "  charge:",
  "    handler: src/charge.ts",
  "    export: chargeHandler",
  "    memory: 256Mi",
  "    timeout: 30s",
  "    concurrency: 4",
  "    sandbox: { childProcesses: true, invocations: 16 }",
  "    triggers:",
  "      - http: { method: POST, path: /charge, auth: jwt }",
  "      - http: { method: GET, path: '/charges/{id}', auth: none }",
  "  refund:",
  "    handler: ./src/refund.mjs",
  "    memory: 1073741824",
);

describe("parseManifest on a valid manifest", () => {
  it("normalizes units, fills defaults and tags triggers by kind", () => {
    const { manifest } = parseManifest(FULL, "bulwark.yaml");

    assert.equal(manifest.app, "payments");
    assert.deepEqual(Object.keys(manifest.functions), ["charge", "refund"]);
    assert.deepEqual({ ...manifest.functions["charge"] }, {
      name: "charge",
      handler: "src/charge.ts",
      export: "chargeHandler",
      memoryBytes: 256 * 1024 ** 2,
      timeoutMs: 30_000,
      concurrency: 4,
      sandbox: { childProcesses: true, tmpWrite: true, invocations: 16 },
      triggers: [
        { kind: "http", method: "POST", path: "/charge", auth: "jwt" },
        { kind: "http", method: "GET", path: "/charges/{id}", auth: "none" },
      ],
      jwt: {
        issuer: "https://id.example.com/",
        audience: ["payments"],
        jwksUrl: "https://id.example.com/jwks.json",
        algorithms: ["RS256", "ES256"],
        rolesClaim: "roles",
        scopesClaim: "scope",
        clockSkewMs: 30_000,
      },
    });
    assert.deepEqual({ ...manifest.functions["refund"] }, {
      name: "refund",
      handler: "./src/refund.mjs",
      export: DEFAULTS.export,
      memoryBytes: 1024 ** 3,
      timeoutMs: DEFAULTS.timeoutMs,
      concurrency: DEFAULTS.concurrency,
      sandbox: { childProcesses: false, tmpWrite: true, invocations: 1 },
      triggers: [],
    });
  });

  it("keeps the auth a route declares, with its roles and scopes", () => {
    const text = lines("app: a", "functions:", "  f:", "    handler: f.ts", "    triggers: [{ http: { method: GET, path: /, auth: apiKey, roles: [ops] } }]");
    const trigger = parseManifest(text, "bulwark.yaml").manifest.functions["f"]?.triggers[0];
    assert.deepEqual(trigger, { kind: "http", method: "GET", path: "/", auth: "apiKey", roles: ["ops"] });
  });

  it("keeps functions in a null-prototype object, so names like constructor are safe to look up", () => {
    const text = lines("app: a", "functions:", "  constructor:", "    handler: c.ts");
    const { functions } = parseManifest(text, "bulwark.yaml").manifest;
    assert.equal(Object.getPrototypeOf(functions), null);
    assert.equal(functions["constructor"]?.handler, "c.ts");
    assert.equal(functions["toString"], undefined);
  });

  it("locates values so I/O code can point at the handler line", () => {
    const { locate } = parseManifest(FULL, "bulwark.yaml");
    assert.deepEqual(locate(["functions", "refund", "handler"]), { line: 15, column: 14 });
    assert.deepEqual(locate(["functions", "charge", "triggers", 1, "http", "path"]), { line: 13, column: 36 });
    // A path that leaves the document points at the deepest node it reached.
    assert.deepEqual(locate(["functions", "refund", "nothing"]), { line: 15, column: 5 });
  });

  it("accepts every HTTP method on distinct paths and distinct methods on one path", () => {
    const text = lines(
      "app: a",
      "functions:",
      "  f:",
      "    handler: f.ts",
      "    triggers:",
      "      - http: { method: GET, path: '/users/{id}', auth: none }",
      "      - http: { method: PUT, path: '/users/{id}', auth: none }",
      "      - http: { method: GET, path: '/users/me', auth: none }",
      "      - http: { method: GET, path: '/users/{id}/{rest+}', auth: none }",
      "  g:",
      "    handler: g.ts",
      "    triggers:",
      "      - http: { method: ANY, path: '/other', auth: none }",
    );
    assert.equal(parseManifest(text, "bulwark.yaml").manifest.functions["f"]?.triggers.length, 4);
  });
});

describe("validateManifestObject", () => {
  const raw = {
    app: "payments",
    functions: { charge: { handler: "src/charge.ts", memory: "128Mi", triggers: [{ http: { method: "POST", path: "/charge", auth: "apiKey" } }] } },
  };

  it("normalizes the raw shape received as JSON exactly like the YAML path", () => {
    const fromJson = validateManifestObject(JSON.parse(JSON.stringify(raw)), "manifest");
    const fromYaml = parseManifest(JSON.stringify(raw), "bulwark.yaml").manifest; // JSON is YAML
    assert.deepEqual(fromJson, fromYaml);
  });

  it("accepts ParsedManifest.raw sent over the wire as JSON", () => {
    const parsed = parseManifest(FULL, "bulwark.yaml");
    const received = validateManifestObject(JSON.parse(JSON.stringify(parsed.raw)), "bulwark.yaml");
    assert.deepEqual(received, parsed.manifest);
  });

  it("reports field paths with line and column 0", () => {
    const bad = { ...raw, functions: { charge: { handler: "src/charge.ts", timeout: "forever" } } };
    const error = invalid(() => validateManifestObject(bad, "manifest"));
    assert.deepEqual(error.extra, { file: "manifest", line: 0, column: 0, field: "functions.charge.timeout" });
  });

  it("refuses a JSON __proto__ key without touching Object.prototype", () => {
    const hostile = JSON.parse('{"app":"a","functions":{"__proto__":{"handler":"x.ts","polluted":true}}}');
    const error = invalid(() => validateManifestObject(hostile, "manifest"));
    assert.equal(error.extra["field"], "functions.__proto__");
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
  });

  it("refuses a manifest that is not an object", () => {
    for (const value of [null, undefined, "app: a", 42, []]) {
      const error = invalid(() => validateManifestObject(value, "manifest"));
      assertAt(error, 0, "");
    }
  });
});

// A broken manifest is refused by the real CLI with one line naming file, line and field.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { cli, writeApp } from "./harness.ts";

const HANDLER = { "src/h.js": "export const handler = async () => 1;\n" };

function deploy(yaml: string, files: Record<string, string> = HANDLER) {
  const dir = writeApp({ "bulwark.yaml": yaml, ...files });
  // `up` builds before starting anything, so a broken app fails without a platform.
  return cli(["up", dir, "--port", "0"]);
}

const CASES: Array<{ name: string; yaml: string; line: number; field: RegExp; files?: Record<string, string> }> = [
  {
    name: "an unknown key",
    yaml: "app: a\nfunctions:\n  f:\n    handler: src/h.js\n    memroy: 128Mi\n",
    line: 5,
    field: /functions\.f\.memroy/,
  },
  {
    name: "a wrong type",
    yaml: "app: a\nfunctions:\n  f:\n    handler: src/h.js\n    concurrency: lots\n",
    line: 5,
    field: /functions\.f\.concurrency/,
  },
  {
    name: "a bad size",
    yaml: "app: a\nfunctions:\n  f:\n    handler: src/h.js\n    memory: 12 parsecs\n",
    line: 5,
    field: /functions\.f\.memory/,
  },
  {
    name: "a bad duration",
    yaml: "app: a\nfunctions:\n  f:\n    handler: src/h.js\n    timeout: forever\n",
    line: 5,
    field: /functions\.f\.timeout/,
  },
  {
    name: "a duplicate route",
    yaml:
      "app: a\nfunctions:\n  f:\n    handler: src/h.js\n    triggers:\n      - http: { method: GET, path: \"/x/{id}\", auth: none }\n  g:\n    handler: src/h.js\n    triggers:\n      - http: { method: GET, path: \"/x/{name}\", auth: none }\n",
    line: 10,
    field: /functions\.g\.triggers\[0\]/,
  },
  {
    name: "an http route without auth (auth is never implicit)",
    yaml: "app: a\nfunctions:\n  f:\n    handler: src/h.js\n    triggers:\n      - http: { method: GET, path: /x }\n",
    line: 6,
    field: /functions\.f\.triggers\[0\]\.http\.auth: is required/,
  },
  {
    name: "a JWKS URL over plain http off loopback",
    yaml: "app: a\njwt: { issuer: i, audience: a, jwksUrl: 'http://id.example.com/jwks' }\nfunctions:\n  f:\n    handler: src/h.js\n    triggers:\n      - http: { method: GET, path: /x, auth: jwt }\n",
    line: 2,
    field: /jwt\.jwksUrl: must be https/,
  },
  {
    name: "a missing handler file",
    yaml: "app: a\nfunctions:\n  f:\n    handler: src/missing.js\n",
    line: 4,
    field: /functions\.f\.handler/,
  },
  {
    name: "a missing required field",
    yaml: "app: a\nfunctions:\n  f:\n    timeout: 3s\n",
    line: 3,
    field: /functions\.f/,
  },
  { name: "YAML syntax", yaml: "app: a\nfunctions:\n  f: [unclosed\n", line: 3, field: /./ },
];

describe("manifest errors through the CLI", () => {
  for (const c of CASES) {
    it(`refuses ${c.name} naming file, line and field`, () => {
      const r = deploy(c.yaml, c.files);
      assert.equal(r.code, 1, r.stdout);
      assert.equal(r.stdout, "");
      const lines = r.stderr.trimEnd().split("\n");
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0]!, new RegExp(`^bulwark: \\S*bulwark\\.yaml:${c.line}:\\d+: `));
      assert.match(lines[0]!, c.field);
    });
  }
});

describe("CLI arguments", () => {
  it("an unknown command is one line and exit 2", () => {
    const r = cli(["frobnicate"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^bulwark: unknown command "frobnicate"/);
  });
  it("an unknown option is one line and exit 2", () => {
    const r = cli(["ls", "--colour"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trimEnd().split("\n").length, 1);
  });
  it("a bad port is refused", () => {
    const r = cli(["up", "--port", "http"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--port/);
  });
  it("rollback without --to says what is missing", () => {
    const r = cli(["rollback", "f"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--to/);
  });
  it("rollback --to that is not a version says what it got", () => {
    const r = cli(["rollback", "f", "--to", "latest"]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'bulwark: rollback: --to must be a version number such as 3 or v3, got "latest"\n');
  });
  it("every command has --help", () => {
    const listed = cli(["--help"]).stdout.match(/^ {2}[a-z]+(?= )/gm)?.map((c) => c.trim()) ?? [];
    assert.ok(listed.length > 20, "bulwark --help lists the commands");
    for (const c of listed) {
      const r = cli([c, "--help"]);
      assert.equal(r.code, 0);
      assert.match(r.stdout, new RegExp(`^usage: bulwark ${c}`));
    }
  });
  it("a command against no running platform says so in one line", () => {
    const r = cli(["ls", "--data-dir", "/nonexistent/bulwark"]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^bulwark: no running platform found/);
  });
});

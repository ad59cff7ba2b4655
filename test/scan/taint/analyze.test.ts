// The interpreter's behaviour beyond the fixtures: module forms, control flow, bounds, and
// inputs an attacker controls (the scanned code itself).
import assert from "node:assert/strict";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { analyzeFile, scanHandlers } from "../../../src/scan/index.ts";
import { writeProject } from "../write-project.ts";

function rulesOf(files: Record<string, string>, entry = "h.ts"): string[] {
  const dir = writeProject(files);
  return analyzeFile(dir, join(dir, entry)).map((f) => f.ruleId);
}

const EXEC = `import { exec } from "node:child_process";\n`;

describe("taint paths", () => {
  it("runs from the source to the sink, with project-relative files", () => {
    const dir = writeProject({
      "src/h.ts": `${EXEC}import { run } from "./lib/run.ts";
export async function handler(event) {
  const { cmd } = JSON.parse(event.body);
  run(\`echo \${cmd}\`);
}`,
      "src/lib/run.ts": `${EXEC}export function run(c: string) { exec(c); }`,
    });
    const [f] = analyzeFile(dir, join(dir, "src/h.ts"));
    assert.ok(f);
    assert.equal(f.ruleId, "taint/command-injection");
    assert.equal(f.severity, "critical");
    assert.equal(f.cwe, "CWE-78");
    assert.equal(f.file, "src/lib/run.ts");
    assert.equal(f.line, 2);
    assert.equal(f.path[0]!.note, "source: event.body");
    assert.equal(f.path[0]!.file, "src/h.ts");
    assert.equal(f.path.at(-1)!.file, "src/lib/run.ts");
    assert.ok(f.path.some((s) => s.note.includes("passed to run()")));
    assert.ok(f.fix.length > 0);
  });
});

describe("module forms", () => {
  it("follows CommonJS module.exports objects and require()", () => {
    const rules = rulesOf(
      {
        "h.js": `const lib = require("./lib");\nexports.handler = async (event) => { lib.run(event.body); };`,
        "lib/index.js": `const cp = require("child_process");\nfunction run(c) { cp.exec(c); }\nmodule.exports = { run };`,
      },
      "h.js",
    );
    assert.deepEqual(rules, ["taint/command-injection"]);
  });

  it("follows re-exports and export * barrels", () => {
    const rules = rulesOf({
      "h.ts": `import { go } from "./barrel.ts";\nexport const handler = async (e) => go(e.queryStringParameters.c);`,
      "barrel.ts": `export * from "./inner.ts";`,
      "inner.ts": `${EXEC}function runIt(c) { exec(c); }\nexport { runIt as go };`,
    });
    assert.deepEqual(rules, ["taint/command-injection"]);
  });

  it("finds a handler wrapped in middleware", () => {
    const rules = rulesOf({
      "h.ts": `import middy from "@middy/core";\n${EXEC}const main = async (event) => { exec(event.body); };\nexport const handler = middy(main).use({});`,
    });
    assert.deepEqual(rules, ["taint/command-injection"]);
  });

  it("does not follow an import out of the project root", () => {
    const outside = writeProject({ "evil.ts": `${EXEC}export function run(c) { exec(c); }` });
    const rules = rulesOf({
      "h.ts": `import { run } from "${join(outside, "evil.ts").replace(/\\/g, "/").replace(/^/, "../".repeat(8))}";\nexport const handler = async (e) => run(e.body);`,
    });
    assert.deepEqual(rules, []);
  });

  it("does not follow a symlink that leaves the project", () => {
    const outside = writeProject({ "evil.ts": `${EXEC}export function run(c) { exec(c); }` });
    const dir = writeProject({ "h.ts": `import { run } from "./link.ts";\nexport const handler = async (e) => run(e.body);` });
    symlinkSync(join(outside, "evil.ts"), join(dir, "link.ts"));
    assert.deepEqual(analyzeFile(dir, join(dir, "h.ts")), []);
  });

  it("reports a missing export as unresolved instead of guessing", () => {
    const dir = writeProject({ "h.ts": `export const other = 1;` });
    const scan = scanHandlers(dir, [{ file: join(dir, "h.ts"), exportName: "handler" }]);
    assert.equal(scan.unresolved.length, 1);
    assert.equal(scan.findings.length, 0);
  });
});

describe("control flow", () => {
  it("joins branches: a value tainted on one branch is tainted after the if", () => {
    assert.deepEqual(
      rulesOf({ "h.ts": `${EXEC}export async function handler(e) { let c = "ls"; if (e.headers.x) c = e.headers.x; exec(c); }` }),
      ["taint/command-injection"],
    );
  });

  it("a guard that returns cleans the value for the rest of the function", () => {
    const guarded = `${EXEC}const OK = new Set(["a", "b"]);
export async function handler(e) { const c = e.body; if (!OK.has(c)) { throw new Error("no"); } exec(c); }`;
    assert.deepEqual(rulesOf({ "h.ts": guarded }), []);
  });

  it("a guard that does not stop the function proves nothing", () => {
    const leaky = `${EXEC}const OK = new Set(["a"]);
export async function handler(e) { const c = e.body; if (!OK.has(c)) { console.log("bad"); } exec(c); }`;
    assert.deepEqual(rulesOf({ "h.ts": leaky }), ["taint/command-injection"]);
  });

  it("a sanitized reassignment replaces the tainted value", () => {
    const code = `import fs from "node:fs"; import path from "node:path";
export async function handler(e) { let n = e.pathParameters.n; n = path.basename(n); return fs.readFileSync("/d/" + n); }`;
    assert.deepEqual(rulesOf({ "h.ts": code }), []);
  });

  it("carries taint around a loop into a query built by +=", () => {
    const code = `import { Pool } from "pg"; const db = new Pool();
export async function handler(e) {
  let sql = "SELECT * FROM t WHERE 1 = 1";
  for (const f of JSON.parse(e.body).filters) sql += " AND " + f;
  return db.query(sql);
}`;
    assert.deepEqual(rulesOf({ "h.ts": code }), ["taint/sql-injection"]);
  });

  it("treats queue records as request data", () => {
    const code = `${EXEC}export async function handler(event) { for (const r of event.Records) exec(r.body); }`;
    assert.deepEqual(rulesOf({ "h.ts": code }), ["taint/command-injection"]);
  });

  it("case clauses compare the discriminant to constants", () => {
    const code = `${EXEC}export async function handler(e) { const c = e.body; switch (c) { case "ls": exec(c); break; default: return; } }`;
    assert.deepEqual(rulesOf({ "h.ts": code }), []);
  });

  it("ctx bindings are not request data", () => {
    const code = `export async function handler(event, ctx) { const url = await ctx.secrets.get("HOOK"); await fetch(url); }`;
    assert.deepEqual(rulesOf({ "h.ts": code }), []);
  });
});

describe("schema-validated bodies", () => {
  const code = `${EXEC}export async function handler(e) { exec(JSON.parse(e.body).c); exec(e.queryStringParameters.q); }`;

  it("a body validated by the platform is clean, the query string is not", () => {
    const dir = writeProject({ "h.ts": code });
    const scan = scanHandlers(dir, [{ file: join(dir, "h.ts"), exportName: "handler", schemaValidated: true }]);
    assert.deepEqual(
      scan.findings.map((f) => f.path[0]!.note),
      ["source: event.queryStringParameters"],
    );
  });
});

describe("bounds (the scanned code is attacker-controlled)", () => {
  it("terminates on mutual recursion", () => {
    const code = `${EXEC}function a(x, n) { return n ? b(x, n - 1) : x; }
function b(x, n) { return a(x, n); }
export async function handler(e) { exec(a(e.body, 3)); }`;
    assert.deepEqual(rulesOf({ "h.ts": code }), ["taint/command-injection"]);
  });

  it("analyzes a 5,000-term concatenation", () => {
    const concat = Array.from({ length: 5000 }, () => `"a"`).join(" + ");
    const code = `${EXEC}export async function handler(e) { exec(${concat} + e.body); }`;
    assert.deepEqual(rulesOf({ "h.ts": code }), ["taint/command-injection"]);
  });

  it("reports a handler nested too deeply to parse as unanalyzed instead of crashing", () => {
    const deep = `${"(".repeat(5000)}e.body${")".repeat(5000)}`;
    const dir = writeProject({ "h.ts": `${EXEC}export async function handler(e) { exec(${deep}); }` });
    const scan = scanHandlers(dir, [{ file: join(dir, "h.ts"), exportName: "handler" }]);
    assert.equal(scan.unresolved.length, 1);
    assert.match(scan.unresolved[0]!.reason, /too deeply/);
  });

  it("keeps a chain of 20 helpers bounded and still passes taint through", () => {
    const fns = Array.from({ length: 20 }, (_, i) => `function f${i}(x) { return f${i + 1}(x); }`).join("\n");
    const code = `${EXEC}${fns}\nfunction f20(x) { return x; }\nexport async function handler(e) { exec(f0(e.body)); }`;
    assert.deepEqual(rulesOf({ "h.ts": code }), ["taint/command-injection"]);
  });
});

describe("sanitizers and sink boundaries", () => {
  const cases: Array<[string, string, string[]]> = [
    [
      "ajv.validate(schema, body) as a guard",
      `import Ajv from "ajv"; import _ from "lodash"; const ajv = new Ajv();
export async function handler(e) { const b = JSON.parse(e.body); if (!ajv.validate({ type: "object" }, b)) throw new Error("bad"); _.merge({}, b); }`,
      [],
    ],
    [
      "Number() before SQL",
      `import { Pool } from "pg"; const db = new Pool();
export async function handler(e) { const n = Number(e.queryStringParameters.id); return db.query("SELECT * FROM t WHERE id = " + n); }`,
      [],
    ],
    [
      "a fixed origin with the input after its slash",
      `export async function handler(e) { return fetch(\`https://api.example.com/\${e.queryStringParameters.q}\`); }`,
      [],
    ],
    [
      "an origin without its slash is not fixed (api.example.com.evil.test)",
      `export async function handler(e) { return fetch(\`https://api.example.com\${e.queryStringParameters.q}\`); }`,
      ["taint/ssrf"],
    ],
    [
      "new URL(input, base) lets an absolute input replace the base",
      `export async function handler(e) { return fetch(new URL(e.queryStringParameters.q, "https://api.example.com")); }`,
      ["taint/ssrf"],
    ],
    [
      "new URL('/path/' + input, base) keeps the base's origin",
      `export async function handler(e) { return fetch(new URL("/users/" + e.queryStringParameters.q, "https://api.example.com")); }`,
      [],
    ],
    [
      "path.resolve without the containment check",
      `import fs from "node:fs"; import path from "node:path";
export async function handler(e) { return fs.readFileSync(path.resolve("/data", e.queryStringParameters.f)); }`,
      ["taint/path-traversal"],
    ],
    [
      "a hash of the input names a file",
      `import fs from "node:fs"; import { createHash } from "node:crypto";
export async function handler(e) { const k = createHash("sha256").update(e.body).digest("hex"); return fs.readFileSync("/cache/" + k); }`,
      [],
    ],
    [
      "JSON.stringify does not escape markup",
      `export async function handler(e) { return { headers: { "content-type": "text/html" }, body: "<pre>" + JSON.stringify(JSON.parse(e.body)) + "</pre>" }; }`,
      ["taint/xss"],
    ],
    [
      "key-value reads are not SQL",
      `export async function handler(e, ctx) { const { id } = e.pathParameters; return ctx.kv("orders").get(id); }`,
      [],
    ],
    [
      "a query-string map as a whole is an operator injection (?$where=…)",
      `import { MongoClient } from "mongodb"; const c = new MongoClient("mongodb://db").db("a").collection("b");
export async function handler(e) { return c.find(e.queryStringParameters).toArray(); }`,
      ["taint/nosql-injection"],
    ],
    [
      "a denylist check on a merge key",
      `function merge(t, s) { for (const k of Object.keys(s)) { if (["__proto__", "constructor", "prototype"].includes(k)) continue; if (typeof s[k] === "object") merge(t[k] ??= {}, s[k]); else t[k] = s[k]; } }
export async function handler(e) { merge({}, JSON.parse(e.body)); }`,
      [],
    ],
  ];
  for (const [name, code, expected] of cases) it(name, () => assert.deepEqual(rulesOf({ "h.ts": code }), expected));
});

describe("event sources (API Gateway HTTP API v2, as Bulwark's edge builds it)", () => {
  it("the body is a string: as a filter value it is not an operator object", () => {
    const code = `import { MongoClient } from "mongodb"; const c = new MongoClient("mongodb://db").db("a").collection("b");
export async function handler(e) { return c.findOne({ name: e.body }); }`;
    assert.deepEqual(rulesOf({ "h.ts": code }), []);
  });

  it("the request context repeats the Host header and the User-Agent, not the source IP", () => {
    const code = `${EXEC}export async function handler(e) {
  exec("log " + e.requestContext.http.sourceIp + " " + e.requestContext.requestId);
  exec("log " + e.requestContext.http.userAgent);
}`;
    const dir = writeProject({ "h.ts": code });
    const findings = analyzeFile(dir, join(dir, "h.ts"));
    assert.deepEqual(findings.map((f) => [f.line, f.path[0]!.note]), [[4, "source: event.requestContext.http.userAgent"]]);
  });
});

describe("classes", () => {
  it("enters constructors and methods with `this`, parameter properties and inherited methods", () => {
    const rules = rulesOf({
      "h.ts": `import { Pool } from "pg"; import { Repo } from "./repo.ts";
export async function handler(e) { const repo = new Repo(new Pool()); return repo.find(e.queryStringParameters.id); }`,
      "repo.ts": `class Base { where(id) { return "SELECT * FROM t WHERE id = '" + id + "'"; } }
export class Repo extends Base {
  constructor(private db) { super(); }
  find(id) { return this.db.query(this.where(id)); }
}`,
    });
    assert.deepEqual(rules, ["taint/sql-injection"]);
  });

  it("keeps what the constructor stored on `this` apart per instance", () => {
    const code = `${EXEC}class Job { constructor(cmd) { this.cmd = cmd; } run() { exec(this.cmd); } }
export async function handler(e) { new Job("uptime").run(); }`;
    assert.deepEqual(rulesOf({ "h.ts": code }), []);
  });
});

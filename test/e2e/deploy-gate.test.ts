// The deploy gate end to end, through the real CLI and a real platform: `bulwark scan` on its own
// (table, JSON, SARIF validated against the schema subset), a deploy of a handler that evals its
// request body blocked with nothing changed, the same deploy with a justified suppression
// accepted and audited, the SBOM of a version, a server that refuses a report that says blocked,
// and a bundle overwritten on disk that refuses to run and records a critical security event.
import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { Ajv } from "ajv";
import { zip } from "../scan/deps/zip.ts";
import { cli, json, manifest, up, writeApp, type CliResult, type RunningPlatform } from "./harness.ts";

// Hermetic: no advisories imported on this machine leak into the scans.
const dataHome = mkdtempSync(join(tmpdir(), "bulwark-xdg-"));
process.env.XDG_DATA_HOME = dataHome;

const APP = "gated";
const OSV = join(import.meta.dirname, "..", "scan", "fixtures", "osv");
const SAFE = "export async function handler(event) { return { statusCode: 200, body: 'hello' }; }\n";
const EVAL = "export async function handler(event) { return { statusCode: 200, body: String(eval(event.body)) }; }\n";
const REASON = "the body is a constant arithmetic expression from our own load balancer probe";
const SUPPRESSION = ["suppressions:", "  - rule: taint/code-injection", "    path: calc.js", `    justification: "${REASON}"`].join("\n");
const LOCKFILE = JSON.stringify({
  name: APP,
  version: "1.2.3",
  lockfileVersion: 3,
  packages: {
    "": { name: APP, version: "1.2.3", dependencies: { "left-pad": "^1.3.0" } },
    "node_modules/left-pad": { version: "1.3.0", integrity: "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQ9d", license: "WTFPL" },
  },
});

let p: RunningPlatform;
let controlUrl: string;
let adminToken: string;

function ok(r: CliResult): CliResult {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}${r.stdout}`);
  return r;
}

/** The app with `hello`, plus `calc` (evals its body) and optionally its suppression. */
function appWith(calc: boolean, extra = "", calcCode = EVAL): string {
  const fns: Record<string, { handler: string }> = { hello: { handler: "hello.js" } };
  if (calc) fns.calc = { handler: "calc.js" };
  return writeApp({ "bulwark.yaml": `${manifest(APP, fns)}${extra}`, "hello.js": SAFE, "calc.js": calcCode, "package-lock.json": LOCKFILE });
}

async function control(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${controlUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

async function versions(fn: string): Promise<unknown[]> {
  const res = await control("GET", `/v1/functions/${fn}/versions`);
  return res.status === 404 ? [] : ((await res.json()) as unknown[]);
}

async function eventually<T>(read: () => Promise<T | undefined>, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(async () => {
  p = await up(appWith(false));
  controlUrl = (JSON.parse(readFileSync(join(p.dataDir, "control.json"), "utf8")) as { url: string }).url;
  adminToken = readFileSync(join(p.dataDir, "admin.token"), "utf8").trim();
});

after(async () => {
  await p.stop();
  rmSync(dataHome, { recursive: true, force: true });
});

describe("bulwark scan, on its own", () => {
  it("exits 1 with one line on stderr for a handler that evals its request body, naming rule and place", () => {
    const dir = appWith(true);
    const r = cli(["scan", dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /critical\s+taint\/code-injection\s+calc\.js:1:/);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^bulwark: scan blocked: .*taint\/code-injection at calc\.js:1:\d+/);
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes SARIF 2.1.0 that validates against the schema subset", () => {
    const dir = appWith(true);
    const out = join(dir, "report.sarif");
    assert.equal(cli(["scan", dir, "--format", "sarif", "--out", out]).code, 1);
    const ajv = new Ajv({ strict: true, allErrors: true });
    ajv.addFormat("uri", (s: string) => URL.canParse(s));
    ajv.addFormat("uri-reference", (s: string) => URL.canParse(s, "file:///root/") && !/[\s%](?![0-9A-Fa-f]{2})/.test(s));
    const schema = JSON.parse(readFileSync(join(import.meta.dirname, "..", "scan", "fixtures", "sarif", "sarif-2.1.0-subset.schema.json"), "utf8"));
    const validate = ajv.compile(schema);
    const sarif = JSON.parse(readFileSync(out, "utf8")) as { runs: Array<{ results: Array<{ ruleId: string }> }> };
    assert.ok(validate(sarif), JSON.stringify(validate.errors));
    assert.ok(sarif.runs[0]!.results.some((x) => x.ruleId === "taint/code-injection"));
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes the same app with the suppression (JSON report lists it as suppressed)", () => {
    const dir = appWith(true, SUPPRESSION);
    const r = ok(cli(["scan", dir, "--format", "json"]));
    const report = JSON.parse(r.stdout) as { blocked: boolean; suppressed: Array<{ finding: { ruleId: string }; justification: string }> };
    assert.equal(report.blocked, false);
    assert.deepEqual(report.suppressed.map((s) => [s.finding.ruleId, s.justification]), [["taint/code-injection", REASON]]);
    rmSync(dir, { recursive: true, force: true });
  });

  it("audits dependencies against advisories imported with `bulwark advisories import` (the default copy)", () => {
    const archive = join(dataHome, "npm-all.zip");
    writeFileSync(archive, zip([{ name: "GHSA-p6mc-m468-83gw.json", data: readFileSync(join(OSV, "GHSA-p6mc-m468-83gw.json")), deflate: true }]));
    assert.match(ok(cli(["advisories", "import", archive])).stdout, /imported 1 npm advisories/);
    const lock = { name: "deps", version: "1.0.0", lockfileVersion: 3, packages: { "": { dependencies: { lodash: "4.17.15" } }, "node_modules/lodash": { version: "4.17.15" } } };
    const dir = writeApp({ "bulwark.yaml": manifest(APP, { hello: { handler: "hello.js" } }), "hello.js": SAFE, "package-lock.json": JSON.stringify(lock) });
    const r = cli(["scan", dir, "--format", "json"]);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { findings: Array<{ ruleId: string; dependency?: { package: string; installed: string; fixed?: string; advisory: string } }> };
    const dep = report.findings.find((f) => f.dependency?.advisory === "GHSA-p6mc-m468-83gw");
    assert.deepEqual(dep?.dependency && { ...dep.dependency, aliases: undefined, lockPath: undefined }, {
      package: "lodash",
      installed: "4.17.15",
      fixed: "4.17.19",
      advisory: "GHSA-p6mc-m468-83gw",
      aliases: undefined,
      lockPath: undefined,
    });
    rmSync(join(dataHome, "bulwark"), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a bad --format with a usage error", () => {
    assert.equal(cli(["scan", ".", "--format", "html"]).code, 2);
  });
});

describe("the deploy gate", () => {
  it("blocks a deploy of a handler that evals its request body: exit 1, the table on stderr, nothing changed", async () => {
    const before = await versions("hello");
    const dir = appWith(true);
    const r = p.cli(["deploy", dir]);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, /critical\s+taint\/code-injection\s+calc\.js:1:/);
    assert.match(r.stderr.trim().split("\n").at(-1)!, /^bulwark: deploy blocked by the scan: 1 finding at or above high/);
    assert.deepEqual(await versions("hello"), before);
    assert.deepEqual(await versions("calc"), []);
    assert.equal((await p.fetch("/calc", { method: "POST", body: "1+1" })).status, 404);
  });

  it("deploys the same app with a justified suppression, and audits the suppression as the deployer", async () => {
    const dir = appWith(true, SUPPRESSION);
    const r = ok(p.cli(["deploy", dir]));
    assert.match(r.stdout, /calc\s+v1\s+created/);
    const res = await p.fetch("/calc", { method: "POST", body: "6*7", headers: { "content-type": "text/plain" } });
    assert.equal(await res.text(), "42");
    const records = JSON.parse(ok(p.cli(["audit", "query", "--action", "scan.suppressed", "--json"])).stdout) as Array<{
      actor: { type: string; id: string };
      outcome: string;
      details: Record<string, unknown>;
    }>;
    assert.equal(records.length, 1);
    assert.equal(records[0]!.actor.id, "local-operator");
    assert.equal(records[0]!.outcome, "success");
    assert.deepEqual(
      { rule: records[0]!.details.rule, file: records[0]!.details.file, justification: records[0]!.details.justification },
      { rule: "taint/code-injection", file: "calc.js", justification: REASON },
    );
  });

  it("prints the CycloneDX 1.5 SBOM of a version: dependencies from the lockfile and the bundle's hash", async () => {
    const sbom = JSON.parse(ok(p.cli(["sbom", "calc", "--version", "1"])).stdout) as {
      bomFormat: string;
      specVersion: string;
      metadata: { component: { name: string; version: string } };
      components: Array<{ type: string; name: string; purl?: string; hashes?: Array<{ alg: string; content: string }> }>;
    };
    assert.equal(sbom.bomFormat, "CycloneDX");
    assert.equal(sbom.specVersion, "1.5");
    assert.deepEqual(sbom.metadata.component, { ...sbom.metadata.component, name: APP, version: "1.2.3" });
    assert.ok(sbom.components.some((c) => c.purl === "pkg:npm/left-pad@1.3.0"));
    const [v1] = (await versions("calc")) as Array<{ bundleHash: string }>;
    const bundle = sbom.components.find((c) => c.type === "file" && c.name === "calc.mjs");
    assert.deepEqual(bundle?.hashes, [{ alg: "SHA-256", content: v1!.bundleHash }]);
    assert.equal(p.cli(["sbom", "calc", "--version", "9"]).code, 1);
  });

  it("the server refuses a deploy whose report says blocked, and one without a report (nothing changes)", async () => {
    const before = await versions("calc");
    const body = { manifest: { app: APP, functions: { calc: { handler: "calc.js" } } }, bundles: { calc: "export const handler = () => 1;" } };
    const blocked = await control("POST", "/v1/deploy", { ...body, scan: { failOn: "high", blocked: true, findings: [], suppressed: [] } });
    assert.equal(blocked.status, 422);
    assert.equal((await json(blocked)).code, "BWK_SCAN_BLOCKED");
    const missing = await control("POST", "/v1/deploy", body);
    assert.equal(missing.status, 400);
    assert.deepEqual(await versions("calc"), before);
  });
});

describe("signed artifacts", () => {
  it("refuses to run a bundle overwritten on disk, with a 500 problem, and records artifact.tampered", async () => {
    // A new bundle, so a new version whose first call is a cold load.
    const dir = appWith(true, SUPPRESSION, EVAL.replace("statusCode: 200", "statusCode: 201"));
    assert.match(ok(p.cli(["deploy", dir])).stdout, /calc\s+v2\s+created/);
    const list = (await versions("calc")) as Array<{ bundleHash: string; active: boolean }>;
    const serving = list.find((v) => v.active)!;
    // The attacker: the file is 0444, so chmod it first, then replace the code the platform signed.
    const file = join(p.dataDir, "bundles", `${serving.bundleHash}.mjs`);
    chmodSync(file, 0o644);
    writeFileSync(file, "export async function handler() { return { statusCode: 200, body: 'pwned' }; }\n");

    const res = await p.fetch("/calc", { method: "POST", body: "1+1" });
    assert.equal(res.status, 500);
    const problem = await json(res);
    assert.equal(problem.code, "BWK_ARTIFACT_TAMPERED");
    assert.ok(!JSON.stringify(problem).includes("pwned"));

    const event = await eventually(async () => {
      const events = (await (await control("GET", "/v1/events?type=artifact.tampered")).json()) as Array<{ type: string; severity: string; function: string }>;
      return events.find((e) => e.function === "calc");
    }, "the artifact.tampered event");
    assert.equal(event.severity, "critical");
  });
});

// The dependency audit end to end over a lockfile fixture and the OSV snapshot.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { auditLockfile } from "../../../src/scan/deps/audit.ts";
import { lockPathLines, readLockfile } from "../../../src/scan/deps/lockfile.ts";
import { loadAdvisories } from "../../../src/scan/deps/osv.ts";

const lockText = readFileSync(fileURLToPath(new URL("../fixtures/deps/package-lock.json", import.meta.url)), "utf8");
const index = loadAdvisories(fileURLToPath(new URL("../fixtures/osv/", import.meta.url)));

describe("readLockfile", () => {
  it("reads v3 packages, nested and scoped, and skips links and workspace members", () => {
    const lock = readLockfile(lockText);
    assert.equal(lock.name, "shop");
    assert.equal(lock.version, "1.2.0");
    const paths = lock.packages.map((p) => `${p.name}@${p.version}`).sort();
    assert.deepEqual(paths, [
      "@acme/ui@2.1.0",
      "event-stream@3.3.6",
      "lodash@4.17.15",
      "lodash@4.17.21",
      "minimist@0.0.8",
      "minimist@1.2.5",
      "mkdirp@0.5.1",
      "node-serialize@0.0.4",
    ]);
    assert.equal(lock.packages.find((p) => p.name === "event-stream")!.dev, true);
  });

  it("reads a v1 lockfile's nested dependencies", () => {
    const v1 = JSON.stringify({
      name: "old",
      lockfileVersion: 1,
      dependencies: { a: { version: "1.0.0", dependencies: { b: { version: "2.0.0" } } } },
    });
    assert.deepEqual(
      readLockfile(v1).packages.map((p) => p.lockPath),
      ["node_modules/a", "node_modules/a/node_modules/b"],
    );
  });

  it("treats hostile keys as data", () => {
    const text = JSON.stringify({
      lockfileVersion: 3,
      packages: { "node_modules/__proto__": { version: "1.0.0" }, "node_modules/constructor": { version: "1.0.0" } },
    });
    const names = readLockfile(text).packages.map((p) => p.name);
    assert.deepEqual(names, ["__proto__", "constructor"]);
    assert.equal(({} as Record<string, unknown>).version, undefined);
  });

  it("refuses what is not a lockfile with BWK_INVALID_ARGUMENT", () => {
    assert.throws(() => readLockfile("[]"), { code: "BWK_INVALID_ARGUMENT" });
    assert.throws(() => readLockfile("{"), { code: "BWK_INVALID_ARGUMENT" });
  });
});

describe("auditLockfile", () => {
  const findings = auditLockfile(readLockfile(lockText), index, "package-lock.json", lockPathLines(lockText));
  const byPath = (p: string) => findings.filter((f) => f.dependency!.lockPath === p).map((f) => f.dependency!.advisory).sort();

  it("finds every affected copy and no fixed one", () => {
    assert.deepEqual(byPath("node_modules/lodash"), ["GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"]);
    assert.deepEqual(byPath("node_modules/@acme/ui/node_modules/lodash"), []);
    assert.deepEqual(byPath("node_modules/minimist"), ["GHSA-xvch-5gv4-984h"]);
    assert.deepEqual(byPath("node_modules/mkdirp/node_modules/minimist"), ["GHSA-xvch-5gv4-984h"]);
    assert.deepEqual(byPath("node_modules/node-serialize"), ["GHSA-q4v7-4rhw-9hqm"]);
    assert.deepEqual(byPath("node_modules/event-stream"), ["GHSA-mh6f-8j2x-4483"]);
    assert.equal(findings.length, 6);
  });

  it("reports installed and first fixed version, aliases, severity, CWE and the lockfile line", () => {
    const nested = findings.find((f) => f.dependency!.lockPath === "node_modules/mkdirp/node_modules/minimist")!;
    assert.deepEqual(nested.dependency, {
      package: "minimist",
      installed: "0.0.8",
      fixed: "0.2.4",
      advisory: "GHSA-xvch-5gv4-984h",
      aliases: ["CVE-2021-44906"],
      lockPath: "node_modules/mkdirp/node_modules/minimist",
    });
    assert.equal(nested.ruleId, "dependency/GHSA-xvch-5gv4-984h");
    assert.equal(nested.severity, "critical");
    assert.equal(nested.cwe, "CWE-1321");
    assert.equal(lockText.split("\n")[nested.line - 1]!.trim().startsWith('"node_modules/mkdirp/node_modules/minimist"'), true);
  });

  it("has no fixed version for last_affected-only advisories, and a CVSS-derived severity", () => {
    const ns = findings.find((f) => f.dependency!.package === "node-serialize")!;
    assert.equal(ns.dependency!.fixed, undefined);
    assert.equal(ns.severity, "critical");
    assert.equal(ns.cwe, "CWE-1395");
  });
});

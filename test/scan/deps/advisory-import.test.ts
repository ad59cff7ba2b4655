// `bulwark advisories import`: a zip as OSV publishes it, or a directory, into a local copy. The
// archive is attacker-controlled: zip-slip names, zip bombs, lying sizes, too many entries and
// non-JSON must refuse the whole import and leave the previous copy untouched.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, describe, it } from "node:test";
import { isBulwarkError } from "../../../src/core/errors.ts";
import { importAdvisories, IMPORT_LIMITS } from "../../../src/scan/deps/advisory-import.ts";
import { loadAdvisories } from "../../../src/scan/deps/osv.ts";
import { zip, type ZipEntry } from "./zip.ts";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "osv");
const work = mkdtempSync(join(tmpdir(), "bulwark-advisories-"));
after(() => rmSync(work, { recursive: true, force: true }));

let n = 0;
function place(entries: ZipEntry[]): { archive: string; target: string } {
  const base = join(work, `case-${++n}`);
  mkdirSync(base);
  const archive = join(base, "npm-all.zip");
  writeFileSync(archive, zip(entries));
  return { archive, target: join(base, "data", "advisories") };
}

const lodash = readFileSync(join(FIXTURES, "GHSA-p6mc-m468-83gw.json"), "utf8");
const pypi = readFileSync(join(FIXTURES, "PYSEC-0000-lodash.json"), "utf8");

async function refusedImport(source: string, target: string, limits = IMPORT_LIMITS): Promise<void> {
  await assert.rejects(importAdvisories(source, target, limits), (e) => isBulwarkError(e) && e.code === "BWK_INVALID_ARGUMENT");
}

describe("importAdvisories from a zip", () => {
  it("stores each npm advisory as <id>.json, skips other ecosystems and non-JSON entries", async () => {
    const { archive, target } = place([
      { name: "GHSA-p6mc-m468-83gw.json", data: lodash, deflate: true },
      { name: "nested/dir/PYSEC-0000-lodash.json", data: pypi },
      { name: "README.txt", data: "not an advisory" },
    ]);
    const result = await importAdvisories(archive, target);
    assert.deepEqual({ imported: result.imported, skipped: result.skipped }, { imported: 1, skipped: 2 });
    assert.deepEqual(readdirSync(target), ["GHSA-p6mc-m468-83gw.json"]);
    assert.ok(loadAdvisories(target).has("lodash"), "the scanner reads the imported copy");
  });

  it("names files by the advisory id, never by the entry name: a zip-slip name cannot write outside", async () => {
    const { archive, target } = place([{ name: "../../escaped.json", data: lodash }]);
    await refusedImport(archive, target);
    assert.equal(existsSync(join(dirname(dirname(target)), "escaped.json")), false);
    assert.equal(existsSync(join(work, "escaped.json")), false);
    const abs = place([{ name: "/tmp/abs.json", data: lodash }]);
    await refusedImport(abs.archive, abs.target);
  });

  it("refuses an advisory id that is a path", async () => {
    const { archive, target } = place([{ name: "a.json", data: JSON.stringify({ id: "../../../etc/cron.d/x", affected: [{ package: { ecosystem: "npm", name: "a" } }] }) }]);
    await refusedImport(archive, target);
    assert.equal(existsSync(target), false);
  });

  it("refuses a zip bomb: an entry larger than the cap, before inflating it", async () => {
    const zeros = Buffer.alloc(8 * 1024 * 1024);
    const { archive, target } = place([{ name: "bomb.json", data: zeros, deflate: true }]);
    await refusedImport(archive, target);
  });

  it("refuses an entry that inflates past the size it declares", async () => {
    const big = `{"id":"GHSA-aaaa-bbbb-cccc","pad":"${"x".repeat(100_000)}"}`;
    const { archive, target } = place([{ name: "liar.json", data: big, deflate: true, declaredSize: 100 }]);
    await refusedImport(archive, target);
  });

  it("refuses archives over the entry-count and total-size caps", async () => {
    const entries = Array.from({ length: 5 }, (_, i) => ({ name: `e${i}.json`, data: lodash }));
    const { archive, target } = place(entries);
    await refusedImport(archive, target, { ...IMPORT_LIMITS, maxEntries: 4 });
    await refusedImport(archive, target, { ...IMPORT_LIMITS, maxTotalBytes: lodash.length * 4 });
  });

  it("refuses non-JSON in a .json entry, JSON that is not an OSV advisory, and a file that is not a zip", async () => {
    const a = place([{ name: "x.json", data: "<html>not json</html>" }]);
    await refusedImport(a.archive, a.target);
    const b = place([{ name: "x.json", data: "[1, 2, 3]" }]);
    await refusedImport(b.archive, b.target);
    const notZip = join(work, "not-a.zip");
    writeFileSync(notZip, "PK but not really");
    await refusedImport(notZip, join(work, "nz", "advisories"));
  });

  it("leaves the previous copy untouched when an import fails halfway", async () => {
    const good = place([{ name: "GHSA-p6mc-m468-83gw.json", data: lodash }]);
    await importAdvisories(good.archive, good.target);
    const badZip = join(work, "bad.zip");
    writeFileSync(badZip, zip([{ name: "GHSA-35jh-r3h4-6jhm.json", data: readFileSync(join(FIXTURES, "GHSA-35jh-r3h4-6jhm.json")) }, { name: "z.json", data: "{" }]));
    await refusedImport(badZip, good.target);
    assert.deepEqual(readdirSync(good.target), ["GHSA-p6mc-m468-83gw.json"]);
    assert.deepEqual(readdirSync(dirname(good.target)), ["advisories"], "no staging directory is left behind");
  });
});

describe("importAdvisories from a directory", () => {
  it("imports the OSV JSON files of a directory tree (the test snapshot)", async () => {
    const target = join(work, "from-dir", "advisories");
    const result = await importAdvisories(FIXTURES, target);
    assert.ok(result.imported >= 5);
    assert.ok(!readdirSync(target).includes("PYSEC-0000-lodash.json"), "other ecosystems are skipped");
  });

  it("refuses a source that does not exist", async () => {
    await refusedImport(join(work, "nothing-here"), join(work, "x", "advisories"));
  });
});

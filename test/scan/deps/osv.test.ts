// OSV range evaluation: the edge cases of introduced/fixed/last_affected/limit, several ranges,
// explicit versions and prereleases, and the advisory loader.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { cvss3BaseScore } from "../../../src/scan/deps/cvss.ts";
import { affects, loadAdvisories, type OsvAffected, type OsvEvent, severityOf } from "../../../src/scan/deps/osv.ts";
import { writeProject } from "../write-project.ts";

const snapshot = fileURLToPath(new URL("../fixtures/osv/", import.meta.url));

function range(...events: OsvEvent[]): OsvAffected {
  return { package: { ecosystem: "npm", name: "p" }, ranges: [{ type: "SEMVER", events }] };
}

describe("affects", () => {
  it("introduced 0, fixed: below the fix is affected, the fix and above are not", () => {
    const a = range({ introduced: "0" }, { fixed: "1.0.0" });
    assert.deepEqual(affects(a, "0.9.9"), { affected: true, fixed: "1.0.0" });
    assert.equal(affects(a, "1.0.0").affected, false);
    assert.equal(affects(a, "1.0.1").affected, false);
  });

  it("a prerelease of the fixed version is still affected", () => {
    const a = range({ introduced: "0" }, { fixed: "1.0.0" });
    assert.equal(affects(a, "1.0.0-beta").affected, true);
    assert.equal(affects(a, "1.0.0-rc.2").affected, true);
  });

  it("a prerelease introduction covers later prereleases and not earlier releases", () => {
    const a = range({ introduced: "2.0.0-alpha.1" }, { fixed: "2.0.0" });
    assert.equal(affects(a, "2.0.0-beta").affected, true);
    assert.equal(affects(a, "2.0.0-alpha.0").affected, false);
    assert.equal(affects(a, "1.9.9").affected, false);
  });

  it("last_affected includes that version and nothing above, and reports no fix", () => {
    const a = range({ introduced: "1.0.0" }, { last_affected: "1.2.3" });
    assert.deepEqual(affects(a, "1.2.3"), { affected: true });
    assert.equal(affects(a, "1.2.4").affected, false);
    assert.equal(affects(a, "1.2.4-rc.1").affected, false);
    assert.equal(affects(a, "0.9.0").affected, false);
  });

  it("several introduced/fixed pairs in one range, in any order", () => {
    const a = range({ fixed: "3.0.0" }, { introduced: "2.0.0" }, { fixed: "1.0.0" }, { introduced: "0" });
    assert.equal(affects(a, "0.5.0").affected, true);
    assert.equal(affects(a, "1.5.0").affected, false);
    assert.deepEqual(affects(a, "2.5.0"), { affected: true, fixed: "3.0.0" });
    assert.equal(affects(a, "3.0.0").affected, false);
  });

  it("several ranges: the first fixed version above the installed one", () => {
    const a: OsvAffected = {
      package: { ecosystem: "npm", name: "minimist" },
      ranges: [
        { type: "SEMVER", events: [{ introduced: "0" }, { fixed: "0.2.4" }] },
        { type: "SEMVER", events: [{ introduced: "1.0.0" }, { fixed: "1.2.6" }] },
      ],
    };
    assert.deepEqual(affects(a, "0.0.8"), { affected: true, fixed: "0.2.4" });
    assert.equal(affects(a, "0.9.0").affected, false);
    assert.deepEqual(affects(a, "1.2.5"), { affected: true, fixed: "1.2.6" });
    assert.equal(affects(a, "1.2.6").affected, false);
  });

  it("limit bounds a range from above", () => {
    const a = range({ introduced: "0" }, { limit: "2.0.0" });
    assert.equal(affects(a, "1.9.0").affected, true);
    assert.equal(affects(a, "2.0.0").affected, false);
  });

  it("an explicit versions list matches exactly", () => {
    const a: OsvAffected = { package: { ecosystem: "npm", name: "event-stream" }, versions: ["3.3.6"] };
    assert.equal(affects(a, "3.3.6").affected, true);
    assert.equal(affects(a, "3.3.5").affected, false);
  });

  it("ignores GIT ranges, unparsable installed versions and ranges with unparsable events", () => {
    assert.equal(affects({ ...range(), ranges: [{ type: "GIT", events: [{ introduced: "0" }] }] }, "1.0.0").affected, false);
    assert.equal(affects(range({ introduced: "0" }), "github:user/repo#abc").affected, false);
    assert.equal(affects(range({ introduced: "0" }, { fixed: "not-a-version" }), "1.0.0").affected, false);
    assert.equal(affects({ package: { ecosystem: "npm", name: "p" }, ranges: [{ type: "SEMVER", events: "x" as never }] }, "1.0.0").affected, false);
  });
});

describe("severityOf", () => {
  it("uses GitHub's label, MODERATE meaning medium", () => {
    assert.equal(severityOf({ id: "x", database_specific: { severity: "MODERATE" } }, range()), "medium");
    assert.equal(severityOf({ id: "x", database_specific: { severity: "CRITICAL" } }, range()), "critical");
  });

  it("falls back to the CVSS v3 vector, then to medium", () => {
    const vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    assert.equal(severityOf({ id: "x", severity: [{ type: "CVSS_V3", score: vector }] }, range()), "critical");
    assert.equal(severityOf({ id: "x" }, range()), "medium");
  });

  it("computes CVSS v3.1 base scores as the specification's examples do", () => {
    assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8);
    assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10);
    assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:N/A:N"), 5.9);
    assert.equal(cvss3BaseScore("CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"), 7.8);
    assert.equal(cvss3BaseScore("CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H"), 7.2);
    assert.equal(cvss3BaseScore("CVSS:3.0/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N"), 5.4);
    assert.equal(cvss3BaseScore("CVSS:2.0/AV:N"), null);
    assert.equal(cvss3BaseScore("CVSS:3.1/AV:X/AC:L"), null);
  });
});

describe("loadAdvisories", () => {
  it("indexes npm advisories by package and leaves withdrawn and other ecosystems out", () => {
    const index = loadAdvisories(snapshot);
    const lodash = (index.get("lodash") ?? []).map((e) => e.advisory.id).sort();
    assert.deepEqual(lodash, ["GHSA-35jh-r3h4-6jhm", "GHSA-p6mc-m468-83gw"]);
    assert.ok(index.has("flatmap-stream"));
  });

  it("refuses a missing directory and a corrupt advisory with BWK_INVALID_ARGUMENT", () => {
    assert.throws(() => loadAdvisories("/nonexistent/osv"), { code: "BWK_INVALID_ARGUMENT" });
    const dir = writeProject({ "bad.json": "{ not json" });
    assert.throws(() => loadAdvisories(dir), { code: "BWK_INVALID_ARGUMENT" });
    const noId = writeProject({ "x.json": JSON.stringify({ affected: [] }) });
    assert.throws(() => loadAdvisories(noId), { code: "BWK_INVALID_ARGUMENT" });
  });
});

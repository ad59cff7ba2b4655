// CycloneDX 1.5 SBOM from the lockfile fixture.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { readLockfile } from "../../../src/scan/deps/lockfile.ts";
import { hashes, purl, toCycloneDx } from "../../../src/scan/report/sbom.ts";

const lock = readLockfile(readFileSync(fileURLToPath(new URL("../fixtures/deps/package-lock.json", import.meta.url)), "utf8"));

interface Bom {
  bomFormat: string;
  specVersion: string;
  serialNumber: string;
  version: number;
  metadata: { timestamp: string; component: { name: string; version: string; purl: string; "bom-ref": string } };
  components: Array<Record<string, unknown> & { purl: string; scope: string; hashes?: Array<{ alg: string; content: string }> }>;
  dependencies: Array<{ ref: string; dependsOn: string[] }>;
}

describe("toCycloneDx", () => {
  const bom = toCycloneDx(lock, { serialNumber: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79", timestamp: "2025-01-01T00:00:00.000Z" }) as Bom;

  it("has the CycloneDX 1.5 envelope and the app as metadata.component", () => {
    assert.equal(bom.bomFormat, "CycloneDX");
    assert.equal(bom.specVersion, "1.5");
    assert.equal(bom.version, 1);
    assert.match(bom.serialNumber, /^urn:uuid:[0-9a-f-]{36}$/);
    assert.deepEqual(bom.metadata.component, { type: "application", "bom-ref": "pkg:npm/shop@1.2.0", name: "shop", version: "1.2.0", purl: "pkg:npm/shop@1.2.0" });
  });

  it("a random serial number by default", () => {
    const a = toCycloneDx(lock) as Bom;
    const b = toCycloneDx(lock) as Bom;
    assert.match(a.serialNumber, /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.notEqual(a.serialNumber, b.serialNumber);
  });

  it("one component per package@version, scoped names as group and %40 in the purl", () => {
    const purls = bom.components.map((c) => c.purl).sort();
    assert.deepEqual(purls, [
      "pkg:npm/%40acme/ui@2.1.0",
      "pkg:npm/event-stream@3.3.6",
      "pkg:npm/lodash@4.17.15",
      "pkg:npm/lodash@4.17.21",
      "pkg:npm/minimist@0.0.8",
      "pkg:npm/minimist@1.2.5",
      "pkg:npm/mkdirp@0.5.1",
      "pkg:npm/node-serialize@0.0.4",
    ]);
    const ui = bom.components.find((c) => c.purl === "pkg:npm/%40acme/ui@2.1.0")!;
    assert.equal(ui.group, "@acme");
    assert.equal(ui.name, "ui");
    assert.deepEqual(ui.licenses, [{ license: { id: "MIT" } }]);
    assert.equal(bom.components.find((c) => c.purl === "pkg:npm/event-stream@3.3.6")!.scope, "excluded");
  });

  it("converts integrity (base64) to hex digests", () => {
    const lodash = bom.components.find((c) => c.purl === "pkg:npm/lodash@4.17.21")!;
    const b64 = "v2kDEe57lecTulaDIuNTPy3Ry4gLGJ6Z1O3vE1krgXZNrsQ+LFTGHVxVjcXPs17LhbZVGedAJv8XZ1tvj5FvSg==";
    assert.deepEqual(lodash.hashes, [{ alg: "SHA-512", content: Buffer.from(b64, "base64").toString("hex") }]);
    assert.equal(lodash.hashes![0]!.content.length, 128);
    const sha1 = createHash("sha1").update("x").digest();
    assert.deepEqual(hashes(`sha1-${sha1.toString("base64")}`), [{ alg: "SHA-1", content: sha1.toString("hex") }]);
    assert.deepEqual(hashes("md5-abc"), []);
  });

  it("resolves the dependency graph the way Node does (nested copy first)", () => {
    const edges = new Map(bom.dependencies.map((d) => [d.ref, d.dependsOn]));
    assert.deepEqual(edges.get("pkg:npm/%40acme/ui@2.1.0"), ["pkg:npm/lodash@4.17.21"]);
    assert.deepEqual(edges.get("pkg:npm/mkdirp@0.5.1"), ["pkg:npm/minimist@0.0.8"]);
    assert.deepEqual(edges.get("pkg:npm/shop@1.2.0"), [
      "pkg:npm/%40acme/ui@2.1.0",
      "pkg:npm/event-stream@3.3.6",
      "pkg:npm/lodash@4.17.15",
      "pkg:npm/minimist@1.2.5",
      "pkg:npm/node-serialize@0.0.4",
    ]);
  });

  it("percent-encodes purl parts", () => {
    assert.equal(purl("@scope/na me", "1.0.0+build.1"), "pkg:npm/%40scope/na%20me@1.0.0%2Bbuild.1");
  });
});

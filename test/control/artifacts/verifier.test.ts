// The check before every bundle load: the real artifact store (SQLite in memory), real files, a
// real key. A bundle changed on disk, a missing or forged signature record, or a missing file
// refuses with BWK_ARTIFACT_TAMPERED and records a critical artifact.tampered event.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { after, beforeEach, describe, it } from "node:test";
import { BundleVerifier } from "../../../src/control/artifacts/verifier.ts";
import { isBulwarkError } from "../../../src/core/errors.ts";
import type { FunctionSpec } from "../../../src/core/manifest/types.ts";
import { auditSigningKey } from "../../../src/security/audit/keys.ts";
import type { SecurityEventInput } from "../../../src/security/recorder.ts";
import { sha256Hex, signArtifact } from "../../../src/security/signing/artifact-signature.ts";
import { SqliteArtifactStore } from "../../../src/store/sqlite/artifacts.ts";
import type { FunctionVersion } from "../../../src/store/state.ts";

const dir = mkdtempSync(join(tmpdir(), "bulwark-verifier-"));
after(() => rmSync(dir, { recursive: true, force: true }));

const key = auditSigningKey(generateKeyPairSync("ed25519").privateKey);
const CODE = "export async function handler() { return 1; }\n";
let store: SqliteArtifactStore;
let events: SecurityEventInput[];
let verifier: BundleVerifier;
let file: string;
let version: FunctionVersion;

function signed(v: FunctionVersion, signer = key): void {
  const claim = { app: v.app, function: v.function, version: v.version, bundle: v.bundleHash, sbom: sha256Hex("sbom"), report: sha256Hex("report") };
  store.record({ ...claim, ...signArtifact(signer, claim), signedAt: new Date().toISOString() });
}

async function refused(v: FunctionVersion, f = file): Promise<void> {
  await assert.rejects(verifier.verify(v, f), (e) => isBulwarkError(e) && e.code === "BWK_ARTIFACT_TAMPERED");
  const last = events.at(-1);
  assert.equal(last?.type, "artifact.tampered");
  assert.equal(last?.severity, "critical");
  assert.equal(last?.function, v.function);
}

beforeEach(() => {
  store = new SqliteArtifactStore(new DatabaseSync(":memory:"));
  events = [];
  verifier = new BundleVerifier({ find: (fn, v) => store.find(fn, v), key, events: { record: (e) => void events.push(e) } });
  file = join(dir, `${Math.random().toString(16).slice(2)}.mjs`);
  writeFileSync(file, CODE, { mode: 0o444 });
  version = { app: "shop", function: "charge", version: 1, bundleHash: sha256Hex(CODE), spec: {} as FunctionSpec, createdAt: "", deployedBy: null };
});

describe("BundleVerifier", () => {
  it("lets a signed, unchanged bundle load, and records nothing", async () => {
    signed(version);
    await verifier.verify(version, file);
    await verifier.verify(version, file);
    assert.equal(events.length, 0);
  });

  it("refuses a bundle overwritten on disk (chmod first, as an attacker would)", async () => {
    signed(version);
    await verifier.verify(version, file);
    chmodSync(file, 0o644);
    writeFileSync(file, `${CODE}process.exit(1);\n`);
    await refused(version);
    assert.equal(events.at(-1)?.details?.["actual"], sha256Hex(`${CODE}process.exit(1);\n`));
  });

  it("catches a change of the same size (a cached verification does not skip the next load's hash)", async () => {
    signed(version);
    await verifier.verify(version, file);
    chmodSync(file, 0o644);
    writeFileSync(file, CODE.replace("return 1", "return 2"));
    await refused(version);
  });

  it("refuses a version without a signed record (deployed before signing, or its row deleted)", async () => {
    await refused(version);
  });

  it("refuses a record signed by another key", async () => {
    signed(version, auditSigningKey(generateKeyPairSync("ed25519").privateKey));
    await refused(version);
  });

  it("refuses a version whose bundle hash was changed in the database to match a planted file", async () => {
    signed(version);
    const planted = join(dir, "planted.mjs");
    writeFileSync(planted, "export async function handler() { return 'evil'; }\n");
    await refused({ ...version, bundleHash: sha256Hex("export async function handler() { return 'evil'; }\n") }, planted);
  });

  it("refuses a record replayed from another version of the function", async () => {
    signed(version);
    store.record({ ...store.find("charge", 1)!, version: 2 });
    await refused({ ...version, version: 2 });
  });

  it("refuses a bundle file that is gone", async () => {
    signed(version);
    rmSync(file);
    await refused(version);
  });
});

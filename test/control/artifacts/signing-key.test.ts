// The artifact key has a file of its own; a data dir made when it was stored under the audit key's
// name keeps its key (renamed, not regenerated), so versions it signed keep verifying.
import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadOrCreateArtifactKey } from "../../../src/control/artifacts/signing-key.ts";
import { loadOrCreateAuditKey } from "../../../src/security/audit/index.ts";

describe("loadOrCreateArtifactKey", () => {
  it("creates artifact-signing-key.pem apart from the audit key", () => {
    const keys = mkdtempSync(join(tmpdir(), "bwk-artifact-key-"));
    const artifact = loadOrCreateArtifactKey(keys);
    const audit = loadOrCreateAuditKey(keys);
    assert.ok(existsSync(join(keys, "artifacts", "artifact-signing-key.pem")));
    assert.notEqual(artifact.keyId, audit.keyId);
    assert.equal(loadOrCreateArtifactKey(keys).keyId, artifact.keyId);
  });

  it("adopts the key a data dir kept under the old name instead of making a new one", () => {
    const keys = mkdtempSync(join(tmpdir(), "bwk-artifact-key-"));
    const legacy = loadOrCreateAuditKey(join(keys, "artifacts"));
    const adopted = loadOrCreateArtifactKey(keys);
    assert.equal(adopted.keyId, legacy.keyId);
    assert.equal(existsSync(join(keys, "artifacts", "audit-signing-key.pem")), false);
    assert.equal(existsSync(join(keys, "artifacts", "artifact-signing-key.pub.pem")), true);
  });

  it("refuses a key file others can read, with its own error code", () => {
    const keys = mkdtempSync(join(tmpdir(), "bwk-artifact-key-"));
    loadOrCreateArtifactKey(keys);
    chmodSync(join(keys, "artifacts", "artifact-signing-key.pem"), 0o644);
    assert.throws(() => loadOrCreateArtifactKey(keys), { code: "BWK_SIGNING_KEY_INVALID" });
  });
});

// Artifact signatures: Ed25519 over the canonical claim. Every field of the claim is covered, a
// signature moves to no other claim or key, and hostile signature text is refused, not thrown on.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { describe, it } from "node:test";
import { auditSigningKey } from "../../../src/security/audit/keys.ts";
import { artifactMessage, sha256Hex, signArtifact, verifyArtifact, type ArtifactClaim } from "../../../src/security/signing/artifact-signature.ts";

const key = auditSigningKey(generateKeyPairSync("ed25519").privateKey);
const other = auditSigningKey(generateKeyPairSync("ed25519").privateKey);
const claim: ArtifactClaim = { app: "shop", function: "charge", version: 3, bundle: sha256Hex("bundle"), sbom: sha256Hex("sbom"), report: sha256Hex("report") };

describe("artifact signatures", () => {
  it("verifies a signature over the same claim with the same key", () => {
    const signed = signArtifact(key, claim);
    assert.equal(signed.keyId, key.keyId);
    assert.equal(verifyArtifact(key, claim, signed), true);
  });

  it("refuses the signature for a claim with any field changed (one version's signature cannot serve another)", () => {
    const signed = signArtifact(key, claim);
    const changed: ArtifactClaim[] = [
      { ...claim, app: "shop2" },
      { ...claim, function: "refund" },
      { ...claim, version: 4 },
      { ...claim, bundle: sha256Hex("evil bundle") },
      { ...claim, sbom: sha256Hex("other sbom") },
      { ...claim, report: sha256Hex("a report that said blocked") },
    ];
    for (const c of changed) assert.equal(verifyArtifact(key, c, signed), false, JSON.stringify(c));
  });

  it("refuses a signature by another key, even when the key id is claimed to match", () => {
    const forged = signArtifact(other, claim);
    assert.equal(verifyArtifact(key, claim, forged), false);
    assert.equal(verifyArtifact(key, claim, { ...forged, keyId: key.keyId }), false);
  });

  it("refuses malformed signature text without throwing", () => {
    const signed = signArtifact(key, claim);
    for (const signature of ["", "AAAA", `${signed.signature}A`, signed.signature.replace(/^./, "*"), "\u0000".repeat(88), Buffer.alloc(64).toString("base64")]) {
      assert.equal(verifyArtifact(key, claim, { ...signed, signature }), false);
    }
  });

  it("binds the purpose: the signed message is typed canonical JSON", () => {
    const text = artifactMessage(claim).toString("utf8");
    assert.ok(text.startsWith("{"));
    assert.equal(JSON.parse(text).type, "bulwark.artifact.v1");
  });

  it("refuses to sign a claim whose hashes are not SHA-256 hex", () => {
    assert.throws(() => signArtifact(key, { ...claim, bundle: "../../etc/passwd" }));
    assert.throws(() => signArtifact(key, { ...claim, sbom: sha256Hex("x").toUpperCase() }));
  });
});

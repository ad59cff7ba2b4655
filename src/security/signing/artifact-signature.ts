// Signed deploy artifacts: at deploy the platform hashes a version's bundle, its SBOM and its scan
// report, and signs the tuple with Ed25519 (RFC 8032, node:crypto; no algorithm choice to get
// wrong). The signed message is the RFC 8785 canonical JSON of the claim with a type tag, so a
// signature made for one purpose (an artifact) cannot be passed off as another (an audit
// checkpoint), and the function and version are inside it, so one version's signature cannot be
// replayed for another's row.
import { createHash, sign, verify, type KeyObject } from "node:crypto";
import { canonicalJson } from "../audit/index.ts";

const TYPE = "bulwark.artifact.v1";
const SHA256_HEX = /^[0-9a-f]{64}$/;

export interface ArtifactClaim {
  app: string;
  function: string;
  version: number;
  /** SHA-256 (hex) of the bundle file's bytes. */
  bundle: string;
  /** SHA-256 (hex) of the stored SBOM document. */
  sbom: string;
  /** SHA-256 (hex) of the stored scan report document. */
  report: string;
}

export interface ArtifactSignature {
  /** Ed25519 signature over artifactMessage(claim), base64. */
  signature: string;
  /** Names the signing key (auditKeyId: SHA-256 of its SPKI, 16 hex digits). */
  keyId: string;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export function artifactMessage(claim: ArtifactClaim): Buffer {
  for (const field of ["bundle", "sbom", "report"] as const) {
    if (!SHA256_HEX.test(claim[field])) throw new Error(`artifact claim: ${field} is not a SHA-256 hex digest`);
  }
  return Buffer.from(
    canonicalJson({ type: TYPE, app: claim.app, function: claim.function, version: claim.version, bundle: claim.bundle, sbom: claim.sbom, report: claim.report }),
    "utf8",
  );
}

export function signArtifact(key: { privateKey: KeyObject; keyId: string }, claim: ArtifactClaim): ArtifactSignature {
  // Ed25519 takes no digest algorithm: null is the only correct argument (RFC 8032 PureEdDSA).
  return { signature: sign(null, artifactMessage(claim), key.privateKey).toString("base64"), keyId: key.keyId };
}

/** True only for a signature by this key over exactly this claim. Never throws on hostile input. */
export function verifyArtifact(key: { publicKey: KeyObject; keyId: string }, claim: ArtifactClaim, signed: ArtifactSignature): boolean {
  if (signed.keyId !== key.keyId || !/^[A-Za-z0-9+/]{86}==$/.test(signed.signature)) return false;
  try {
    return verify(null, artifactMessage(claim), key.publicKey, Buffer.from(signed.signature, "base64"));
  } catch {
    return false;
  }
}

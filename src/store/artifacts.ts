// The artifact port: what was signed for each deployed version (the hashes of its bundle, SBOM
// and scan report, the signature) and the SBOM and report documents themselves, stored once
// each by their SHA-256 (every function of one deploy shares them).

export type ArtifactDocumentKind = "sbom" | "scan-report";

export interface ArtifactRecord {
  app: string;
  function: string;
  version: number;
  /** SHA-256 (hex) of the bundle, the SBOM and the report documents. */
  bundle: string;
  sbom: string;
  report: string;
  /** Ed25519 over the claim, base64 (security/signing/artifact-signature.ts). */
  signature: string;
  keyId: string;
  signedAt: string;
}

export interface ArtifactStore {
  /** Stores a document under its hash unless it is there already. */
  putDocument(sha256: string, kind: ArtifactDocumentKind, body: string): void;
  document(sha256: string, kind: ArtifactDocumentKind): string | undefined;
  /** One record per version, written once: a second record for the same version is refused. */
  record(artifact: ArtifactRecord): void;
  find(fn: string, version: number): ArtifactRecord | undefined;
}

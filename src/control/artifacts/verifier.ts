// The check the invoker runs right before a sandbox loads a bundle: the bundle file on disk must
// hash to the version's signed bundle hash, and the version's artifact signature must verify
// under the platform's key. Anything else refuses to run (BWK_ARTIFACT_TAMPERED, a 500) and is a
// critical `artifact.tampered` security event.
//
// Warm invocations never get here (their sandbox already holds the code). For cold loads the
// signature check is cached per version row; the file is hashed on every load. A cache keyed on
// the file's stat cannot be trusted: mtime can be reset by whoever wrote the file, and ctime
// changes on every hard link the sandbox's placeBundle makes, so it would miss every time anyway.
import { readFile } from "node:fs/promises";
import type { KeyObject } from "node:crypto";
import { BulwarkError } from "../../core/errors.ts";
import { sha256Hex, verifyArtifact } from "../../security/signing/artifact-signature.ts";
import type { SecurityEventInput } from "../../security/recorder.ts";
import type { ArtifactRecord } from "../../store/artifacts.ts";
import type { FunctionVersion } from "../../store/state.ts";

export interface VerifierDeps {
  find(fn: string, version: number): ArtifactRecord | undefined;
  key: { publicKey: KeyObject; keyId: string };
  events: { record(event: SecurityEventInput): unknown };
}

export class BundleVerifier {
  readonly #deps: VerifierDeps;
  /** `function@version` → the bundle hash whose signed record verified. */
  readonly #signed = new Map<string, string>();

  constructor(deps: VerifierDeps) {
    this.#deps = deps;
  }

  async verify(version: FunctionVersion, file: string): Promise<void> {
    const problem = this.#signatureProblem(version) ?? (await this.#fileProblem(version, file));
    if (problem === undefined) return;
    this.#deps.events.record({
      type: "artifact.tampered",
      severity: "critical",
      function: version.function,
      reason: `version ${version.version} refused to load: ${problem.reason}`,
      details: { version: version.version, expected: version.bundleHash, ...(problem.actual === undefined ? {} : { actual: problem.actual }) },
    });
    throw new BulwarkError("BWK_ARTIFACT_TAMPERED", `${version.function} v${version.version}: ${problem.reason}`);
  }

  #signatureProblem(version: FunctionVersion): { reason: string; actual?: string } | undefined {
    const id = `${version.function}@${version.version}`;
    if (this.#signed.get(id) === version.bundleHash) return undefined;
    const record = this.#deps.find(version.function, version.version);
    if (!record) return { reason: "it has no signed artifact record (deploy it again)" };
    const claim = {
      app: version.app,
      function: version.function,
      version: version.version,
      bundle: version.bundleHash,
      sbom: record.sbom,
      report: record.report,
    };
    if (record.bundle !== version.bundleHash || !verifyArtifact(this.#deps.key, claim, record)) {
      return { reason: "its artifact signature does not verify" };
    }
    this.#signed.set(id, version.bundleHash);
    return undefined;
  }

  async #fileProblem(version: FunctionVersion, file: string): Promise<{ reason: string; actual?: string } | undefined> {
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (e) {
      return { reason: `its bundle file cannot be read (${(e as NodeJS.ErrnoException).code ?? "error"})` };
    }
    const actual = sha256Hex(bytes);
    return actual === version.bundleHash ? undefined : { reason: "its bundle file changed on disk since it was signed", actual };
  }
}

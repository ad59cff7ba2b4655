// Signed deploy artifacts, end to end on the platform side: a deploy's scan report is admitted
// before anything is stored; inside the deploy's transaction each new version gets its SBOM and
// report stored and the (bundle, SBOM, report) hashes signed; after it, one audit record per
// suppressed finding names the deployer. Reads of an SBOM or report check them against the
// signature first, and the invoker asks `verifier` before every bundle load.
import { BulwarkError } from "../../core/errors.ts";
import type { Manifest } from "../../core/manifest/types.ts";
import type { Actor, AuditEntry } from "../../security/audit/index.ts";
import type { SigningKey } from "../../security/key-file.ts";
import type { SecurityEventInput } from "../../security/recorder.ts";
import { sha256Hex, signArtifact, verifyArtifact } from "../../security/signing/artifact-signature.ts";
import type { ArtifactDocumentKind, ArtifactStore } from "../../store/artifacts.ts";
import type { DeployOutcome, StateStore } from "../../store/state.ts";
import type { DeployRequest } from "../deploy.ts";
import { admitScanReport, type AdmittedScan } from "./admit.ts";
import { checkLockfile, deploySbom } from "./sbom.ts";
import { BundleVerifier } from "./verifier.ts";

/** Who deploys: the actor of the control call (or the local operator of `bulwark up`). */
export interface Deployer {
  actor: Actor;
  requestId?: string;
}

export interface ArtifactDeps {
  store: ArtifactStore;
  state: Pick<StateStore, "versions" | "activeVersions">;
  /** The platform's artifact signing key (Ed25519). */
  key: SigningKey;
  audit: { append(entry: AuditEntry): unknown };
  events: { record(event: SecurityEventInput): unknown };
}

/** A deploy's scan report and lockfile, checked; what record() and auditSuppressions() use. */
export interface Admission {
  manifest: Manifest;
  scan: AdmittedScan;
  lockfile: unknown;
}

export class ArtifactService {
  readonly #deps: ArtifactDeps;
  readonly verifier: BundleVerifier;

  constructor(deps: ArtifactDeps) {
    this.#deps = deps;
    this.verifier = new BundleVerifier({ find: (fn, v) => deps.store.find(fn, v), key: deps.key, events: deps.events });
  }

  admit(manifest: Manifest, request: DeployRequest): Admission {
    checkLockfile(request.lockfile);
    return { manifest, scan: admitScanReport(manifest, request.scan), lockfile: request.lockfile };
  }

  /** Runs inside the deploy's transaction: a version is stored with its signed artifact or not at all. */
  record(admission: Admission, outcomes: readonly DeployOutcome[], bundleHashes: ReadonlyMap<string, string>): void {
    const created = outcomes.filter((o) => o.status === "created");
    if (created.length === 0) return;
    const { store, key } = this.#deps;
    const sbom = deploySbom(admission.manifest, admission.lockfile, bundleHashes);
    const hashes = { sbom: sha256Hex(sbom), report: sha256Hex(admission.scan.json) };
    store.putDocument(hashes.sbom, "sbom", sbom);
    store.putDocument(hashes.report, "scan-report", admission.scan.json);
    const signedAt = new Date().toISOString();
    for (const o of created) {
      const claim = { app: admission.manifest.app, function: o.function, version: o.version, bundle: bundleHashes.get(o.function)!, ...hashes };
      store.record({ ...claim, ...signArtifact(key, claim), signedAt });
    }
  }

  /** One audit record per suppressed finding, as the deployer: an accepted risk is a decision someone made. */
  auditSuppressions(admission: Admission, by: Deployer): void {
    for (const s of admission.scan.suppressed) {
      this.#deps.audit.append({
        actor: by.actor,
        action: "scan.suppressed",
        target: "app",
        outcome: "success",
        requestId: by.requestId ?? null,
        details: { app: admission.manifest.app, rule: s.rule, severity: s.severity, cwe: s.cwe, file: s.file, line: s.line, column: s.column, justification: s.justification },
      });
    }
  }

  /** The SBOM or scan report of a version (the serving one by default), checked against its signature. */
  document(fn: string, version: number | undefined, kind: ArtifactDocumentKind): unknown {
    const { state, store, key } = this.#deps;
    const versions = state.versions(fn);
    if (versions.length === 0) throw new BulwarkError("BWK_FUNCTION_NOT_FOUND", `no function named "${fn}"`);
    const wanted = version ?? state.activeVersions().find((v) => v.function === fn)?.version ?? versions.at(-1)!.version;
    const v = versions.find((x) => x.version === wanted);
    if (!v) throw new BulwarkError("BWK_VERSION_NOT_FOUND", `function "${fn}" has no version ${wanted}`);
    const record = store.find(fn, v.version);
    if (!record) throw new BulwarkError("BWK_NOT_FOUND", `${fn} v${v.version} has no signed artifacts (deployed before the deploy gate)`);
    const hash = kind === "sbom" ? record.sbom : record.report;
    const body = store.document(hash, kind);
    const claim = { app: v.app, function: fn, version: v.version, bundle: v.bundleHash, sbom: record.sbom, report: record.report };
    if (body === undefined || sha256Hex(body) !== hash || !verifyArtifact(key, claim, record)) {
      const reason = `the stored ${kind} of v${v.version} does not match its signature`;
      this.#deps.events.record({ type: "artifact.tampered", severity: "critical", function: fn, reason, details: { version: v.version, kind } });
      throw new BulwarkError("BWK_ARTIFACT_TAMPERED", `the stored ${kind} of ${fn} v${v.version} does not match its signature`);
    }
    return JSON.parse(body) as unknown;
  }
}

// Server side of a deploy: validates what the client sent as if it came from anyone, stores the
// bundles, and switches every function of the app in one transaction. A deploy that fails at any
// step changes nothing: the previous versions keep serving.
import { BulwarkError } from "../core/errors.ts";
import { attachInputSchemas } from "../core/manifest/input-schemas.ts";
import { validateManifestObject } from "../core/manifest/parse.ts";
import type { Manifest } from "../core/manifest/types.ts";
import type { BundleStore } from "../store/bundles.ts";
import type { DeployOutcome, StateStore } from "../store/state.ts";

const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;

export interface DeployRequest {
  /** The manifest as written, as JSON: validated here with the same schema as the CLI used. */
  manifest: unknown;
  bundles: unknown;
  /** Each route's `input:` file as the CLI read it: {path: JSON Schema}. */
  schemas?: unknown;
  /** The deploy gate's scan report (JSON) the CLI made: checked in artifacts/admit.ts. */
  scan?: unknown;
  /** The app's package-lock.json text, when it has one: the SBOM is made from it. */
  lockfile?: unknown;
}

/**
 * `deployedBy` (an audit actor id) is stored with each new version. `check` sees the validated
 * manifest before anything is stored, and may refuse it by throwing. `record` runs inside the
 * deploy's transaction with the outcomes and each function's bundle hash (the signed artifacts
 * are stored with their versions, or nothing is).
 */
export function deployApp(
  state: StateStore,
  bundleStore: BundleStore,
  request: DeployRequest,
  deployedBy: string,
  check?: (manifest: Manifest) => void,
  record?: (outcomes: DeployOutcome[], bundleHashes: ReadonlyMap<string, string>) => void,
): DeployOutcome[] {
  const manifest = validateManifestObject(request.manifest, "bulwark.yaml");
  attachInputSchemas(manifest, request.schemas);
  check?.(manifest);
  const bundles = request.bundles;
  if (typeof bundles !== "object" || bundles === null || Array.isArray(bundles)) {
    throw new BulwarkError("BWK_BAD_REQUEST", "bundles must be an object of function name to bundle code");
  }
  const functions = Object.values(manifest.functions).map((spec) => {
    const code: unknown = Object.hasOwn(bundles, spec.name) ? (bundles as Record<string, unknown>)[spec.name] : undefined;
    if (typeof code !== "string" || code.length === 0) {
      throw new BulwarkError("BWK_BAD_REQUEST", `no bundle for function "${spec.name}"`);
    }
    if (Buffer.byteLength(code) > MAX_BUNDLE_BYTES) {
      throw new BulwarkError("BWK_PAYLOAD_TOO_LARGE", `the bundle of "${spec.name}" is larger than 32 MiB`);
    }
    return { spec, code };
  });
  const stored = functions.map(({ spec, code }) => ({ spec, bundleHash: bundleStore.put(code) }));
  const hashes = new Map(stored.map((s) => [s.spec.name, s.bundleHash]));
  return state.deploy(manifest.app, stored, deployedBy, record && ((outcomes) => record(outcomes, hashes)));
}

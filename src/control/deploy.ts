// Server side of a deploy: validates what the client sent as if it came from anyone, stores the
// bundles, and switches every function of the app in one transaction. A deploy that fails at any
// step changes nothing: the previous versions keep serving.
import { BulwarkError } from "../core/errors.ts";
import { validateManifestObject } from "../core/manifest/parse.ts";
import type { BundleStore } from "../store/bundles.ts";
import type { DeployOutcome, StateStore } from "../store/state.ts";

const MAX_BUNDLE_BYTES = 32 * 1024 * 1024;

export interface DeployRequest {
  /** The manifest as written, as JSON: validated here with the same schema as the CLI used. */
  manifest: unknown;
  bundles: unknown;
}

export function deployApp(state: StateStore, bundleStore: BundleStore, request: DeployRequest): DeployOutcome[] {
  const manifest = validateManifestObject(request.manifest, "bulwark.yaml");
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
  return state.deploy(manifest.app, stored);
}

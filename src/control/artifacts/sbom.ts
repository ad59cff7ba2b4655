// The SBOM of one deploy (CycloneDX 1.5 JSON): the app's npm dependencies from the
// package-lock.json the CLI sent (scan/report/sbom.ts), or only the app when it has none, plus
// one `file` component per function bundle with its SHA-256, which is what actually runs.
import { BulwarkError } from "../../core/errors.ts";
import type { Manifest } from "../../core/manifest/types.ts";
import { readLockfile, toCycloneDx } from "../../scan/index.ts";
import type { Lockfile } from "../../scan/deps/lockfile.ts";

const MAX_LOCKFILE_BYTES = 32 * 1024 * 1024;

export function deploySbom(manifest: Manifest, lockfile: unknown, bundleHashes: ReadonlyMap<string, string>): string {
  const sbom = toCycloneDx(lockOf(manifest, lockfile)) as { metadata: Record<string, unknown>; components: unknown[] };
  sbom.metadata.properties = [{ name: "bulwark:app", value: manifest.app }];
  for (const [fn, hash] of [...bundleHashes].sort(([a], [b]) => (a < b ? -1 : 1))) {
    sbom.components.push({
      type: "file",
      "bom-ref": `bulwark:bundle:${fn}`,
      name: `${fn}.mjs`,
      hashes: [{ alg: "SHA-256", content: hash }],
      properties: [{ name: "bulwark:function", value: fn }],
    });
  }
  return JSON.stringify(sbom);
}

/** Checks the lockfile where it enters; an app without one is just itself. */
export function checkLockfile(lockfile: unknown): void {
  if (lockfile === undefined || lockfile === null) return;
  if (typeof lockfile !== "string") throw new BulwarkError("BWK_BAD_REQUEST", "lockfile must be the text of package-lock.json");
  if (Buffer.byteLength(lockfile) > MAX_LOCKFILE_BYTES) throw new BulwarkError("BWK_PAYLOAD_TOO_LARGE", "package-lock.json is larger than 32 MiB");
  readLockfile(lockfile);
}

function lockOf(manifest: Manifest, lockfile: unknown): Lockfile {
  if (typeof lockfile === "string") return readLockfile(lockfile);
  return { name: manifest.app, version: "0.0.0", lockfileVersion: 0, rootDependencies: new Map(), packages: [] };
}

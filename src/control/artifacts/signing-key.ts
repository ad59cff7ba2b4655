// The deploy-artifact signing key: keys/artifacts/artifact-signing-key.pem, a key of its own so that
// a leaked artifact key cannot re-sign audit checkpoints, nor the reverse. File handling:
// security/key-file.ts.
import { existsSync, renameSync } from "node:fs";
import { join } from "node:path";
import { loadOrCreateSigningKey, type SigningKey } from "../../security/key-file.ts";

const NAME = "artifact-signing-key";
/** The name the key had when it was made with the audit key's loader, before it had its own. */
const LEGACY_NAME = "audit-signing-key";

export function loadOrCreateArtifactKey(keysDir: string): SigningKey {
  const dir = join(keysDir, "artifacts");
  // Renamed, never regenerated: versions signed with the old file keep verifying.
  for (const suffix of [".pem", ".pub.pem"]) {
    const legacy = join(dir, `${LEGACY_NAME}${suffix}`);
    const current = join(dir, `${NAME}${suffix}`);
    if (existsSync(legacy) && !existsSync(current)) renameSync(legacy, current);
  }
  return loadOrCreateSigningKey(dir, NAME, "BWK_SIGNING_KEY_INVALID");
}

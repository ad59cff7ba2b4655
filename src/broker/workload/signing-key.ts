// The platform's workload-token key (Ed25519), in keys/workload-signing-key.pem: a file of its own,
// so neither the audit nor the artifact key can mint a workload token. File handling, modes and
// refusals: security/key-file.ts.
import { loadOrCreateSigningKey, type SigningKey } from "../../security/key-file.ts";

const NAME = "workload-signing-key";
export const WORKLOAD_KEY_FILE = `${NAME}.pem`;

export type WorkloadKey = SigningKey;

export function loadOrCreateWorkloadKey(keysDir: string): WorkloadKey {
  return loadOrCreateSigningKey(keysDir, NAME, "BWK_INVALID_ARGUMENT");
}

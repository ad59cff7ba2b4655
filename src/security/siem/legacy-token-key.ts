// The key that protected SIEM webhook tokens before they moved under the master key: a random
// AES-256 key in keys/siem-token.key. It is only read now, to move old tokens (token-migration.ts),
// and removed once nothing is protected by it. Still refused when it is a symlink or open to
// group/others (CWE-732, CWE-59): a key planted there must not decide what a token becomes.
//
// Stored form: "v1." + base64url(12-byte nonce ‖ ciphertext ‖ 16-byte tag), AAD "bulwark:siem-token:v1"
// (AES-256-GCM, NIST SP 800-38D).
import { rmSync } from "node:fs";
import { createDecipheriv } from "node:crypto";
import { join } from "node:path";
import { BulwarkError } from "../../core/errors.ts";
import { syncDirectory } from "../../store/sync-directory.ts";
import { readSecretKeyFile } from "../key-file.ts";

export const LEGACY_TOKEN_KEY_FILE = "siem-token.key";
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from("bulwark:siem-token:v1", "utf8");
const PREFIX = "v1.";

export interface LegacyTokenKey {
  /** Throws BWK_DECRYPT_FAILED when `stored` does not open under this key. */
  open(stored: string): string;
}

/** The legacy key of the keys dir `dir`, or undefined when it has none. */
export function loadLegacyTokenKey(dir: string): LegacyTokenKey | undefined {
  const key = readKey(join(dir, LEGACY_TOKEN_KEY_FILE));
  if (key === undefined) return undefined;
  return {
    open(stored) {
      const bytes = stored.startsWith(PREFIX) ? Buffer.from(stored.slice(PREFIX.length), "base64url") : Buffer.alloc(0);
      if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new BulwarkError("BWK_DECRYPT_FAILED", "a stored SIEM token is malformed");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
        decipher.setAAD(AAD);
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString("utf8");
      } catch {
        throw new BulwarkError("BWK_DECRYPT_FAILED", "a stored SIEM token does not open under the legacy token key (edited, or another key)");
      }
    },
  };
}

/** Removes the legacy key file (if any) and syncs the directory, so the removal outlives a crash. */
export function removeLegacyTokenKey(dir: string): boolean {
  const path = join(dir, LEGACY_TOKEN_KEY_FILE);
  try {
    rmSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw keyError(`cannot remove ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  syncDirectory(dir);
  return true;
}

function readKey(path: string): Buffer | undefined {
  const text = readSecretKeyFile(path, "BWK_INTERNAL");
  if (text === undefined) return undefined;
  const key = Buffer.from(text.trim(), "base64");
  if (key.length !== KEY_BYTES) throw keyError(`${path} does not hold a ${KEY_BYTES}-byte base64 key`);
  return key;
}

function keyError(message: string): BulwarkError {
  return new BulwarkError("BWK_INTERNAL", `legacy SIEM token key: ${message}`);
}

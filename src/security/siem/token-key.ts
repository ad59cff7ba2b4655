// At-rest protection of SIEM webhook tokens: AES-256-GCM (NIST SP 800-38D) under a random key kept
// in the platform's keys dir, apart from the database that stores the protected tokens, so a
// copy of the database alone does not reveal them. Mode 0600, created with O_EXCL, never read
// through a symlink or when group/others may read it (CWE-732, CWE-59).
//
// Stored form: "v1." + base64url(12-byte nonce ‖ ciphertext ‖ 16-byte tag); the AAD binds the
// purpose, so a protected token cannot be passed off as anything else sealed with this key.
import { closeSync, constants, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { join } from "node:path";
import { BulwarkError } from "../../core/errors.ts";
import type { TokenProtection } from "./outbox.ts";

export const TOKEN_KEY_FILE = "siem-token.key";
const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from("bulwark:siem-token:v1", "utf8");
const PREFIX = "v1.";

/** The token protection of the keys dir `dir`, creating its key on first use. */
export function tokenProtectionFromKeysDir(dir: string): TokenProtection {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, TOKEN_KEY_FILE);
  const key = readKey(path) ?? createKey(path) ?? readKey(path);
  if (key === undefined) throw keyError(`${path} could not be created or read`);
  return {
    protect(token) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(AAD);
      const sealed = Buffer.concat([nonce, cipher.update(token, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return PREFIX + sealed.toString("base64url");
    },
    unprotect(stored) {
      const bytes = stored.startsWith(PREFIX) ? Buffer.from(stored.slice(PREFIX.length), "base64url") : Buffer.alloc(0);
      if (bytes.length < NONCE_BYTES + TAG_BYTES) throw new BulwarkError("BWK_DECRYPT_FAILED", "a stored SIEM token is malformed");
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, NONCE_BYTES), { authTagLength: TAG_BYTES });
        decipher.setAAD(AAD);
        decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
        return Buffer.concat([decipher.update(bytes.subarray(NONCE_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString("utf8");
      } catch {
        throw new BulwarkError("BWK_DECRYPT_FAILED", "a stored SIEM token does not open under the token key (edited, or another key)");
      }
    },
  };
}

function readKey(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    throw keyError(code === "ELOOP" ? `${path} is a symlink; refusing it` : `cannot open ${path}: ${code ?? "error"}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw keyError(`${path} is not a regular file`);
    if ((stat.mode & 0o077) !== 0) throw keyError(`${path} is accessible by group or others; chmod 600 it`);
    if (process.getuid !== undefined && stat.uid !== process.getuid()) throw keyError(`${path} belongs to another user`);
    const key = Buffer.from(readFileSync(fd, "utf8").trim(), "base64");
    if (key.length !== KEY_BYTES) throw keyError(`${path} does not hold a ${KEY_BYTES}-byte base64 key`);
    return key;
  } finally {
    closeSync(fd);
  }
}

/** Writes a new key with O_EXCL; undefined when another process created the file first. */
function createKey(path: string): Buffer | undefined {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return undefined;
    throw keyError(`cannot create ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  const key = randomBytes(KEY_BYTES);
  try {
    writeSync(fd, `${key.toString("base64")}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return key;
}

function keyError(message: string): BulwarkError {
  return new BulwarkError("BWK_INTERNAL", `SIEM token key: ${message}`);
}

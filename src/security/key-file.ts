// The platform's Ed25519 signing keys on disk (RFC 8032, node:crypto): the audit checkpoint key,
// the deploy-artifact key and the workload-token key, each in a file of its own so that a leak of
// one cannot sign for another.
//
// Files: NAME.pem (PKCS#8 private key) and NAME.pub.pem (SPKI public key, what a verifier needs),
// both mode 0600, created exclusively (O_EXCL) on first use. Like OpenSSH, a private key readable by
// group or others, owned by someone else, or reached through a symlink is refused (CWE-732, CWE-59),
// checked on the open descriptor (no TOCTOU).
import { closeSync, constants, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { join } from "node:path";
import { BulwarkError, type ErrorCode } from "../core/errors.ts";

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The first 16 hex digits of SHA-256 over the public key's SPKI DER. */
  keyId: string;
}

export function signingKeyId(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("hex").slice(0, 16);
}

/** Checks that a key given in code is an Ed25519 private key, and derives its public half and id. */
export function signingKeyOf(privateKey: KeyObject, code: ErrorCode): SigningKey {
  if (privateKey?.type !== "private" || privateKey.asymmetricKeyType !== "ed25519") {
    throw new BulwarkError(code, "a signing key must be an Ed25519 private KeyObject");
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: signingKeyId(publicKey) };
}

/**
 * Loads the key NAME from `dir`, or creates it there if the directory holds none. Every refusal is a
 * BulwarkError with `code`, so each key keeps the error code its callers know.
 */
export function loadOrCreateSigningKey(dir: string, name: string, code: ErrorCode): SigningKey {
  const files = new KeyFiles(code);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privatePath = join(dir, `${name}.pem`);
  const publicPath = join(dir, `${name}.pub.pem`);
  const privatePem = files.read(privatePath, true);
  if (privatePem === undefined) {
    if (files.read(publicPath, false) !== undefined) {
      throw files.error(`${publicPath} exists without its private key; restore ${name}.pem rather than start a new key`);
    }
    const pair = generateKeyPairSync("ed25519");
    const created = files.writeNew(privatePath, pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    // Another process created the key first: use that one.
    if (!created) return loadOrCreateSigningKey(dir, name, code);
  }
  const privateKey = files.parsePrivate(privatePem ?? files.readRequired(privatePath), privatePath);
  const publicKey = createPublicKey(privateKey);
  const publicPem = files.read(publicPath, false);
  if (publicPem === undefined) {
    files.writeNew(publicPath, publicKey.export({ type: "spki", format: "pem" }).toString());
  } else if (!samePublicKey(publicPem, publicKey)) {
    throw files.error(`${publicPath} does not belong to the private key next to it`);
  }
  return { privateKey, publicKey, keyId: signingKeyId(publicKey) };
}

/**
 * Reads a secret key file with the same refusals (symlink, not a regular file, open to group or
 * others, another owner); undefined when there is none. For keys that are not signing keys.
 */
export function readSecretKeyFile(path: string, code: ErrorCode): string | undefined {
  return new KeyFiles(code).read(path, true);
}

function samePublicKey(pem: string, publicKey: KeyObject): boolean {
  try {
    return createPublicKey(pem).equals(publicKey);
  } catch {
    return false;
  }
}

/** File access with one error code for every refusal. */
class KeyFiles {
  readonly #code: ErrorCode;

  constructor(code: ErrorCode) {
    this.#code = code;
  }

  error(message: string): BulwarkError {
    return new BulwarkError(this.#code, message);
  }

  parsePrivate(pem: string, path: string): KeyObject {
    let key: KeyObject;
    try {
      key = createPrivateKey(pem);
    } catch {
      throw this.error(`${path} is not a PEM private key`);
    }
    if (key.asymmetricKeyType !== "ed25519") throw this.error(`${path} is not an Ed25519 key`);
    return key;
  }

  /** Reads a key file without following a symlink, checking ownership and mode on the open file. */
  read(path: string, secret: boolean): string | undefined {
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    } catch (e) {
      const errno = (e as NodeJS.ErrnoException).code;
      if (errno === "ENOENT") return undefined;
      throw this.error(errno === "ELOOP" ? `${path} is a symlink; refusing it` : `cannot open ${path}: ${errno ?? "error"}`);
    }
    try {
      const stat = fstatSync(fd);
      if (!stat.isFile()) throw this.error(`${path} is not a regular file`);
      if (secret && (stat.mode & 0o077) !== 0) {
        throw this.error(`${path} is accessible by group or others (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
      }
      if (secret && process.getuid !== undefined && stat.uid !== process.getuid()) throw this.error(`${path} belongs to another user`);
      return readFileSync(fd, "utf8");
    } finally {
      closeSync(fd);
    }
  }

  readRequired(path: string): string {
    const pem = this.read(path, true);
    if (pem === undefined) throw this.error(`${path} disappeared while it was being read`);
    return pem;
  }

  /** Creates the file exclusively (never through an existing path or symlink), mode 0600; false if it exists. */
  writeNew(path: string, pem: string): boolean {
    let fd: number;
    try {
      fd = openSync(path, "wx", 0o600);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
      throw this.error(`cannot create ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
    }
    try {
      writeSync(fd, pem);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return true;
  }
}

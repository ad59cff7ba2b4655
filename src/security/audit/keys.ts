// The checkpoint signing key lives apart from the log: a directory the caller chooses (the
// platform's keys dir, not the database's), so one stolen or edited database file does not also
// hand over the means to re-sign a rewritten log. Ed25519 (RFC 8032) through node:crypto.
//
// Files: audit-signing-key.pem (PKCS#8 private key) and audit-signing-key.pub.pem (SPKI public
// key, what an auditor needs), both mode 0600. Like OpenSSH, a private key readable by group or
// others, owned by someone else, or reached through a symlink is refused (CWE-732, CWE-59).

import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, writeSync, fsyncSync } from "node:fs";
import { join } from "node:path";
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { BulwarkError } from "../../core/errors.ts";

export const PRIVATE_KEY_FILE = "audit-signing-key.pem";
export const PUBLIC_KEY_FILE = "audit-signing-key.pub.pem";

export interface AuditKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  keyId: string;
}

/** The first 16 hex digits of SHA-256 over the key's SPKI DER: names the key in every checkpoint. */
export function auditKeyId(publicKey: KeyObject): string {
  const spki = publicKey.export({ type: "spki", format: "der" });
  return createHash("sha256").update(spki).digest("hex").slice(0, 16);
}

/** Loads the audit signing key from `dir`, or creates one there if the directory holds none. */
export function loadOrCreateAuditKey(dir: string): AuditKey {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const privatePath = join(dir, PRIVATE_KEY_FILE);
  const publicPath = join(dir, PUBLIC_KEY_FILE);
  const privatePem = readKeyFile(privatePath, true);
  if (privatePem === undefined) {
    if (readKeyFile(publicPath, false) !== undefined) {
      throw keyError(`${publicPath} exists without its private key; restore ${PRIVATE_KEY_FILE} rather than start a new key`);
    }
    const pair = generateKeyPairSync("ed25519");
    const created = writeNew(privatePath, pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString());
    // Another process created the key first: use that one.
    if (!created) return loadOrCreateAuditKey(dir);
  }
  const privateKey = parsePrivate(privatePem ?? readRequired(privatePath), privatePath);
  const publicKey = createPublicKey(privateKey);
  const publicPem = readKeyFile(publicPath, false);
  if (publicPem === undefined) {
    writeNew(publicPath, publicKey.export({ type: "spki", format: "pem" }).toString());
  } else if (!samePublicKey(publicPem, publicKey)) {
    throw keyError(`${publicPath} does not belong to the private key next to it`);
  }
  return { privateKey, publicKey, keyId: auditKeyId(publicKey) };
}

/** Checks that a key given in code is an Ed25519 private key, and derives its public half and id. */
export function auditSigningKey(privateKey: KeyObject): AuditKey {
  if (privateKey?.type !== "private" || privateKey.asymmetricKeyType !== "ed25519") {
    throw keyError("the audit signing key must be an Ed25519 private KeyObject");
  }
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, keyId: auditKeyId(publicKey) };
}

function parsePrivate(pem: string, path: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw keyError(`${path} is not a PEM private key`);
  }
  if (key.asymmetricKeyType !== "ed25519") throw keyError(`${path} is not an Ed25519 key`);
  return key;
}

function samePublicKey(pem: string, publicKey: KeyObject): boolean {
  try {
    return createPublicKey(pem).equals(publicKey);
  } catch {
    return false;
  }
}

/** Reads a key file without following a symlink, checking ownership and mode on the open file (no TOCTOU). */
function readKeyFile(path: string, secret: boolean): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    if ((error as NodeJS.ErrnoException).code === "ELOOP") throw keyError(`${path} is a symlink; refusing it`);
    throw keyError(`cannot open ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw keyError(`${path} is not a regular file`);
    if (secret && (stat.mode & 0o077) !== 0) {
      throw keyError(`${path} is accessible by group or others (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
    }
    if (secret && process.getuid !== undefined && stat.uid !== process.getuid()) {
      throw keyError(`${path} belongs to another user`);
    }
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

function readRequired(path: string): string {
  const pem = readKeyFile(path, true);
  if (pem === undefined) throw keyError(`${path} disappeared while it was being read`);
  return pem;
}

/** Creates the file exclusively (O_EXCL: never through an existing path or symlink) with mode 0600. */
function writeNew(path: string, pem: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx", 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw keyError(`cannot create ${path}: ${(error as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    writeSync(fd, pem);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  return true;
}

function keyError(message: string): BulwarkError {
  return new BulwarkError("BWK_AUDIT_KEY_INVALID", message);
}

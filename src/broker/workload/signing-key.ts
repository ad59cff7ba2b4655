// The platform's workload-token key: Ed25519 (RFC 8032), PKCS#8 PEM in keys/workload-signing-key.pem,
// mode 0600. Opened without following symlinks and checked on the open descriptor (CWE-59,
// CWE-732); created exclusively (O_EXCL) on first start.
import { closeSync, constants, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from "node:fs";
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { join } from "node:path";
import { BulwarkError } from "../../core/errors.ts";

export const WORKLOAD_KEY_FILE = "workload-signing-key.pem";

export interface WorkloadKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export function loadOrCreateWorkloadKey(keysDir: string): WorkloadKey {
  mkdirSync(keysDir, { recursive: true, mode: 0o700 });
  const path = join(keysDir, WORKLOAD_KEY_FILE);
  let pem = read(path);
  if (pem === undefined) {
    const generated = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    write(path, generated);
    pem = read(path) ?? invalid(`${path} disappeared while it was being created`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    return invalid(`${path} is not a PEM private key`);
  }
  if (privateKey.asymmetricKeyType !== "ed25519") invalid(`${path} is not an Ed25519 key`);
  return { privateKey, publicKey: createPublicKey(privateKey) };
}

function read(path: string): string | undefined {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") return undefined;
    return invalid(code === "ELOOP" ? `${path} is a symlink; refusing it` : `cannot open ${path}: ${code ?? "error"}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) invalid(`${path} is not a regular file`);
    if ((stat.mode & 0o077) !== 0) invalid(`${path} is accessible by group or others (mode ${(stat.mode & 0o777).toString(8)}); chmod 600 it`);
    return readFileSync(fd, "utf8");
  } finally {
    closeSync(fd);
  }
}

function write(path: string, pem: string): void {
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return; // created meanwhile: read that one
    invalid(`cannot create ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    writeSync(fd, pem);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function invalid(message: string): never {
  throw new BulwarkError("BWK_INVALID_ARGUMENT", message);
}

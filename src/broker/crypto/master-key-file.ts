// Where the master key comes from: a key file (mode 0600 or stricter) or the BULWARK_MASTER_KEY
// value the CLI passes in. Either holds 32 random bytes in base64, as `openssl rand -base64 32`
// prints them. Messages name the file and what is wrong with it, never its content.

import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { link, open, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { BulwarkError } from "../../core/errors.ts";
import { MASTER_KEY_BYTES, MasterKey } from "./master-key.ts";

export interface MasterKeySource {
  /** Path of a key file. */
  file?: string;
  /** The base64 value of BULWARK_MASTER_KEY, read from the environment by the CLI. */
  env?: string;
}

// 32 bytes are 44 base64 characters, the last one padding.
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=$/;
// A key file is one line; anything much larger is the wrong file.
const MAX_FILE_BYTES = 1024;

export async function loadMasterKey(source: MasterKeySource): Promise<MasterKey> {
  if (source.file !== undefined && source.env !== undefined) {
    invalid("give the master key as a file or as BULWARK_MASTER_KEY, not both");
  }
  if (source.env !== undefined) return decode(source.env, "BULWARK_MASTER_KEY");
  if (source.file !== undefined) return decode(await readKeyFile(source.file), `master key file ${source.file}`);
  return invalid("no master key: give a key file or set BULWARK_MASTER_KEY");
}

/**
 * Writes a new random master key to `path` with mode 0600 and returns it. Never overwrites: the
 * key is written to a temporary file opened with O_EXCL, synced, then hard-linked into place
 * (link(2) fails if `path` exists), so `path` never holds a partial key.
 */
export async function createMasterKeyFile(path: string): Promise<MasterKey> {
  const bytes = randomBytes(MASTER_KEY_BYTES);
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let created = false;
  try {
    const handle = await open(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    created = true;
    try {
      await handle.chmod(0o600); // whatever the umask
      await handle.writeFile(`${bytes.toString("base64")}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temporary, path);
    await syncDirectory(dirname(path));
  } catch (error) {
    if (created && errnoCode(error) === "EEXIST") invalid(`${path} already exists; a master key file is never overwritten`);
    return invalid(`cannot create master key file ${path}: ${errnoCode(error)}`);
  } finally {
    if (created) await unlink(temporary).catch(() => {});
  }
  const key = new MasterKey(bytes);
  bytes.fill(0);
  return key;
}

async function readKeyFile(file: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY);
  } catch (error) {
    return invalid(`cannot read master key file ${file}: ${errnoCode(error)}`);
  }
  try {
    // Checked on the opened descriptor, so the file checked is the file read.
    const stat = await handle.stat();
    if (!stat.isFile()) invalid(`master key file ${file} is not a regular file`);
    const mode = (stat.mode & 0o777).toString(8).padStart(4, "0");
    if ((stat.mode & 0o077) !== 0) {
      invalid(`master key file ${file} has mode ${mode}, open to group or others; run chmod 600 ${file}`, { file, mode });
    }
    if (stat.size > MAX_FILE_BYTES) invalid(`master key file ${file} is ${stat.size} bytes; a key file holds one base64 line`);
    return await handle.readFile("utf8");
  } finally {
    await handle.close();
  }
}

function decode(text: string, where: string): MasterKey {
  const trimmed = text.trim();
  if (!BASE64_KEY.test(trimmed)) {
    const expected = `${MASTER_KEY_BYTES} random bytes in base64 (44 characters, as \`openssl rand -base64 32\` prints)`;
    invalid(`${where} must hold ${expected}`);
  }
  const bytes = Buffer.from(trimmed, "base64");
  const key = new MasterKey(bytes);
  bytes.fill(0);
  return key;
}

async function syncDirectory(directory: string): Promise<void> {
  const handle = await open(directory, constants.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function errnoCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? "unknown error";
}

function invalid(message: string, extra?: Record<string, unknown>): never {
  throw new BulwarkError("BWK_INVALID_ARGUMENT", message, extra === undefined ? {} : { extra });
}

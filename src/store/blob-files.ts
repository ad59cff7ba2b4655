// Ciphertext files for the object store. A file's name is random (never derived from a bucket or
// key), so no object key can name a path, whatever it contains (CWE-22). Writes are atomic:
// temporary file, fsync, rename, fsync of the directory; the caller commits the index row after.
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeSync, constants } from "node:fs";
import { join } from "node:path";
import { syncDirectory } from "./sync-directory.ts";

const NAME = /^[0-9a-f]{32}$/;

export class BlobFiles {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  }

  /** Writes `bytes` durably under a fresh name and returns the name. */
  write(bytes: Uint8Array): string {
    const name = randomBytes(16).toString("hex");
    const temporary = join(this.dir, `.${name}.tmp`);
    const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.path(name));
    syncDirectory(this.dir);
    return name;
  }

  read(name: string): Buffer {
    return readFileSync(this.path(name));
  }

  remove(name: string): void {
    rmSync(this.path(name), { force: true });
  }

  /** Removes files no index row points to (a crash between write and commit) and leftover temporaries. */
  sweep(referenced: ReadonlySet<string>): number {
    let removed = 0;
    for (const entry of readdirSync(this.dir)) {
      if (NAME.test(entry) ? referenced.has(entry) : false) continue;
      rmSync(join(this.dir, entry), { force: true, recursive: true });
      removed++;
    }
    return removed;
  }

  path(name: string): string {
    if (!NAME.test(name)) throw new Error("not a blob file name");
    return join(this.dir, name);
  }
}

// Durable renames, creations and removals: on POSIX a change to a directory's entries outlives a
// crash only once the directory itself is fsynced, not just the file.
import { closeSync, constants, fsyncSync, openSync } from "node:fs";

export function syncDirectory(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

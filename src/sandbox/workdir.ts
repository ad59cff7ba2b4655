// A sandbox's private host directory. Its bundle/ subdirectory is bound read-only at /bundle;
// the platform places the function's bundle there after start (pre-started sandboxes). Modes
// let the unprivileged sandbox uid traverse and read, never list or write (CWE-732).

import { copyFile, chmod, link, mkdir, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";

/** The name of the bundle inside bundle/: always .mjs so node loads it as an ES module. */
export const BUNDLE_FILE = "function.mjs";

export async function createWorkDir(workDir: string): Promise<string> {
  await mkdir(dirname(workDir), { recursive: true });
  // Not recursive: an existing directory is not private to this sandbox.
  await mkdir(workDir, { mode: 0o711 });
  await chmod(workDir, 0o711);
  const bundleDir = join(workDir, "bundle");
  await mkdir(bundleDir, { mode: 0o755 });
  await chmod(bundleDir, 0o755);
  return bundleDir;
}

/**
 * Hard-links the bundle into bundle/ (no copy for the common case); copies it when linking is
 * impossible (another filesystem) or when the file is not readable by others, so that the
 * platform never changes the mode of its own stored file.
 */
export async function placeBundle(bundleFile: string, bundleDir: string): Promise<string> {
  const target = join(bundleDir, BUNDLE_FILE);
  const { mode } = await stat(bundleFile);
  if ((mode & 0o004) !== 0) {
    try {
      await link(bundleFile, target);
      return target;
    } catch {
      // EXDEV, EPERM (protected hardlinks): fall back to a copy.
    }
  }
  await copyFile(bundleFile, target);
  await chmod(target, 0o444);
  return target;
}

export async function removeWorkDir(workDir: string): Promise<void> {
  await rm(workDir, { recursive: true, force: true });
}

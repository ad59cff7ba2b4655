// Bundles the sandbox runtime (src/runtime/main.ts with the protocol) into one ES module file,
// the only platform code a sandbox can read (bound read-only at /runtime).

import { build } from "esbuild";
import { chmod, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ENTRY = fileURLToPath(new URL("../runtime/main.ts", import.meta.url));

export async function buildRuntime(outDir: string): Promise<string> {
  await mkdir(outDir, { recursive: true });
  // The unprivileged sandbox uid must be able to read it.
  await chmod(outDir, 0o755);
  const outfile = join(outDir, "runtime.mjs");
  await build({
    entryPoints: [ENTRY],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node24",
    legalComments: "none",
    logLevel: "silent",
  });
  await chmod(outfile, 0o644);
  return outfile;
}

// The shared libraries the pinned node binary loads, so a sandbox can mount exactly those
// (read-only) instead of the host's whole /usr. Found once per binary with ldd(1); the binary is
// the platform's own pinned node, never function code, so running ldd on it is safe.

import { execFile } from "node:child_process";
import { realpath } from "node:fs/promises";
import { promisify } from "node:util";

/** One library: `source` is the real file on the host, `target` the path the loader asks for. */
export interface LibraryMount {
  source: string;
  target: string;
}

const cache = new Map<string, Promise<LibraryMount[]>>();

export function nodeLibraries(nodePath: string): Promise<LibraryMount[]> {
  let found = cache.get(nodePath);
  if (found === undefined) {
    found = findLibraries(nodePath);
    cache.set(nodePath, found);
    found.catch(() => cache.delete(nodePath));
  }
  return found;
}

async function findLibraries(nodePath: string): Promise<LibraryMount[]> {
  let stdout: string;
  try {
    ({ stdout } = await promisify(execFile)("ldd", [nodePath], { env: { PATH: "/usr/bin:/bin", LC_ALL: "C" } }));
  } catch (e) {
    const output = String((e as { stdout?: unknown }).stdout ?? "") + String((e as { stderr?: unknown }).stderr ?? "");
    if (/not a dynamic executable|statically linked/.test(output)) return [];
    throw new Error(`cannot list the libraries of ${nodePath} with ldd (install libc-bin): ${(e as Error).message}`);
  }
  const targets = new Set<string>();
  for (const line of stdout.split("\n")) {
    // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or "/lib64/ld-linux-x86-64.so.2 (0x...)"
    const match = /(?:=>\s*)?(\/\S+)\s+\(0x[0-9a-f]+\)/.exec(line);
    if (match?.[1] !== undefined) targets.add(match[1]);
    if (/=>\s*not found/.test(line)) throw new Error(`${nodePath} needs a library that is missing: ${line.trim()}`);
  }
  return Promise.all([...targets].map(async (target) => ({ source: await realpath(target), target })));
}

// Reads package-lock.json (lockfileVersion 2 and 3: the `packages` map, nested node_modules
// paths included; version 1's nested `dependencies` as a fallback). Keys come from the file, so
// they are kept in Maps and arrays, never used as keys of plain objects (`__proto__` is a key).
import { BulwarkError } from "../../core/errors.ts";

export interface LockedPackage {
  name: string;
  version: string;
  /** Its key in the `packages` map: `node_modules/a/node_modules/@s/b`. */
  lockPath: string;
  dev: boolean;
  optional: boolean;
  integrity?: string;
  resolved?: string;
  license?: string;
  /** Declared dependencies: name → requested range. */
  dependencies: ReadonlyMap<string, string>;
}

export interface Lockfile {
  name: string;
  version: string;
  lockfileVersion: number;
  /** What the app itself declares (dependencies, devDependencies, optionalDependencies). */
  rootDependencies: ReadonlyMap<string, string>;
  packages: LockedPackage[];
}

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

function deps(entry: Json, field: string): Map<string, string> {
  const out = new Map<string, string>();
  const d = entry[field];
  if (isObject(d)) for (const [k, v] of Object.entries(d)) if (typeof v === "string") out.set(k, v);
  return out;
}

/** `node_modules/a/node_modules/@s/b` → `@s/b`. */
export function nameFromPath(lockPath: string): string {
  const i = lockPath.lastIndexOf("node_modules/");
  return i < 0 ? lockPath : lockPath.slice(i + "node_modules/".length);
}

export function readLockfile(text: string, file = "package-lock.json"): Lockfile {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `${file}: not valid JSON`);
  }
  if (!isObject(doc) || typeof doc.lockfileVersion !== "number")
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `${file}: not an npm lockfile (no lockfileVersion)`);
  const root = isObject(doc.packages) && isObject(doc.packages[""]) ? (doc.packages[""] as Json) : doc;
  const lock: Lockfile = {
    name: str(root.name) ?? str(doc.name) ?? "app",
    version: str(root.version) ?? str(doc.version) ?? "0.0.0",
    lockfileVersion: doc.lockfileVersion,
    rootDependencies: new Map([
      ...deps(root, "dependencies"),
      ...deps(root, "devDependencies"),
      ...deps(root, "optionalDependencies"),
    ]),
    packages: [],
  };
  if (isObject(doc.packages)) {
    for (const [key, entry] of Object.entries(doc.packages)) {
      // Workspace members and links are the app's own code; their targets have their own entries.
      if (!key.includes("node_modules/") || !isObject(entry) || entry.link === true) continue;
      const version = str(entry.version);
      if (!version) continue;
      lock.packages.push(packageOf(key, str(entry.name) ?? nameFromPath(key), version, entry));
    }
  } else if (isObject(doc.dependencies)) {
    walkV1(doc.dependencies, "", lock.packages);
  }
  // Version 1 keeps no list of the app's own dependencies: the top level stands in for it.
  if (lock.rootDependencies.size === 0 && !isObject(doc.packages))
    return { ...lock, rootDependencies: new Map(lock.packages.filter((p) => !p.lockPath.includes("/node_modules/")).map((p) => [p.name, p.version])) };
  return lock;
}

function packageOf(lockPath: string, name: string, version: string, entry: Json): LockedPackage {
  const pkg: LockedPackage = {
    name,
    version,
    lockPath,
    dev: entry.dev === true || entry.devOptional === true,
    optional: entry.optional === true,
    dependencies: new Map([...deps(entry, "dependencies"), ...deps(entry, "optionalDependencies"), ...deps(entry, "requires")]),
  };
  const integrity = str(entry.integrity);
  const resolved = str(entry.resolved);
  const license = str(entry.license);
  if (integrity) pkg.integrity = integrity;
  if (resolved) pkg.resolved = resolved;
  if (license) pkg.license = license;
  return pkg;
}

function walkV1(dependencies: Json, prefix: string, out: LockedPackage[], depth = 0): void {
  if (depth > 64) return;
  for (const [name, entry] of Object.entries(dependencies)) {
    if (!isObject(entry)) continue;
    const lockPath = `${prefix}node_modules/${name}`;
    const version = str(entry.version);
    if (version) out.push(packageOf(lockPath, name, version, entry));
    if (isObject(entry.dependencies)) walkV1(entry.dependencies, `${lockPath}/`, out, depth + 1);
  }
}

/** The 1-based line of each `"node_modules/…": {` key in the lockfile text, for findings. */
export function lockPathLines(text: string): Map<string, number> {
  const lines = new Map<string, number>();
  text.split("\n").forEach((line, i) => {
    const m = /^\s*"((?:[^"\\]|\\.)*node_modules\/(?:[^"\\]|\\.)*)"\s*:\s*\{/.exec(line);
    if (m && !lines.has(m[1]!)) lines.set(m[1]!, i + 1);
  });
  return lines;
}

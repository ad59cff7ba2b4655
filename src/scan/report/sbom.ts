// A CycloneDX 1.5 JSON SBOM from a package-lock: one component per package@version with its
// purl (https://github.com/package-url/purl-spec: `pkg:npm/%40scope/name@version`), the
// lockfile's integrity hashes as hex, licenses, scope (dev dependencies are `excluded`), and the
// dependency graph resolved the way Node resolves: nearest node_modules up the tree.
import { randomUUID } from "node:crypto";
import type { LockedPackage, Lockfile } from "../deps/lockfile.ts";
import { TOOL_NAME, TOOL_VERSION } from "./sarif.ts";

export interface SbomOptions {
  /** `urn:uuid:…`; random by default. */
  serialNumber?: string;
  /** ISO 8601; now by default. */
  timestamp?: string;
}

const ALGORITHMS: Record<string, string> = { sha1: "SHA-1", sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512" };

function purlPart(s: string): string {
  return encodeURIComponent(s);
}

export function purl(name: string, version: string): string {
  const slash = name.startsWith("@") ? name.indexOf("/") : -1;
  const path = slash > 0 ? `${purlPart(name.slice(0, slash))}/${purlPart(name.slice(slash + 1))}` : purlPart(name);
  return `pkg:npm/${path}@${purlPart(version)}`;
}

/** Subresource Integrity (`sha512-<base64>`, several separated by spaces) → CycloneDX hashes. */
export function hashes(integrity: string | undefined): Array<{ alg: string; content: string }> {
  if (!integrity) return [];
  const out: Array<{ alg: string; content: string }> = [];
  for (const token of integrity.trim().split(/\s+/)) {
    const dash = token.indexOf("-");
    const alg = ALGORITHMS[token.slice(0, dash)];
    const b64 = token.slice(dash + 1).replace(/\?.*$/, "");
    if (!alg || !/^[A-Za-z0-9+/]+=*$/.test(b64)) continue;
    out.push({ alg, content: Buffer.from(b64, "base64").toString("hex") });
  }
  return out;
}

function licenses(license: string | undefined): Array<Record<string, unknown>> {
  if (!license) return [];
  return /^[A-Za-z0-9.+-]+$/.test(license) ? [{ license: { id: license } }] : [{ expression: license }];
}

/** Where Node finds `dep` from the package at `lockPath`: its own node_modules, then each parent's. */
function resolveDependency(byPath: ReadonlyMap<string, LockedPackage>, lockPath: string, dep: string): LockedPackage | undefined {
  let base = lockPath;
  for (;;) {
    const hit = byPath.get(`${base}/node_modules/${dep}`);
    if (hit) return hit;
    const i = base.lastIndexOf("/node_modules/");
    if (i < 0) return byPath.get(`node_modules/${dep}`);
    base = base.slice(0, i);
  }
}

export function toCycloneDx(lock: Lockfile, options: SbomOptions = {}): object {
  const byPath = new Map(lock.packages.map((p) => [p.lockPath, p]));
  const components = new Map<string, Record<string, unknown>>();
  const graph = new Map<string, Set<string>>();
  for (const p of lock.packages) {
    const ref = purl(p.name, p.version);
    const slash = p.name.startsWith("@") ? p.name.indexOf("/") : -1;
    const existing = components.get(ref);
    // A package installed both as a dev and a runtime dependency is required.
    const scope = p.dev ? "excluded" : p.optional ? "optional" : "required";
    if (existing) {
      if (existing.scope !== "required" && scope !== "excluded") existing.scope = scope;
    } else {
      const hs = hashes(p.integrity);
      const ls = licenses(p.license);
      components.set(ref, {
        type: "library",
        "bom-ref": ref,
        ...(slash > 0 ? { group: p.name.slice(0, slash), name: p.name.slice(slash + 1) } : { name: p.name }),
        version: p.version,
        scope,
        purl: ref,
        ...(hs.length > 0 ? { hashes: hs } : {}),
        ...(ls.length > 0 ? { licenses: ls } : {}),
      });
    }
    const edges = graph.get(ref) ?? new Set<string>();
    for (const dep of p.dependencies.keys()) {
      const target = resolveDependency(byPath, p.lockPath, dep);
      if (target) edges.add(purl(target.name, target.version));
    }
    graph.set(ref, edges);
  }
  const rootRef = purl(lock.name, lock.version);
  const direct = new Set<string>();
  for (const dep of lock.rootDependencies.keys()) {
    const target = byPath.get(`node_modules/${dep}`);
    if (target) direct.add(purl(target.name, target.version));
  }
  return {
    bomFormat: "CycloneDX",
    specVersion: "1.5",
    serialNumber: options.serialNumber ?? `urn:uuid:${randomUUID()}`,
    version: 1,
    metadata: {
      timestamp: options.timestamp ?? new Date().toISOString(),
      tools: { components: [{ type: "application", name: TOOL_NAME, version: TOOL_VERSION }] },
      component: { type: "application", "bom-ref": rootRef, name: lock.name, version: lock.version, purl: rootRef },
    },
    components: [...components.values()],
    dependencies: [
      { ref: rootRef, dependsOn: [...direct].sort() },
      ...[...graph].map(([ref, deps]) => ({ ref, dependsOn: [...deps].sort() })),
    ],
  };
}

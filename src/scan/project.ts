// What kind of project a directory is — a Bulwark app (bulwark.yaml with functions.*.handler),
// an AWS SAM / CloudFormation app (template.yaml), a Serverless Framework app (serverless.yml),
// several, or none — and the handlers and configuration findings each contributes.
import { readFileSync } from "node:fs";
import { dirname } from "node:path";
import { type HandlerRef, projectFile } from "./config/handlers.ts";
import { isSamTemplate, scanSam } from "./config/sam.ts";
import { scanServerless } from "./config/serverless.ts";
import { type Located, parseYaml } from "./config/yaml.ts";
import type { ProjectFile } from "./files.ts";
import type { Finding, ProjectKind } from "./types.ts";

export interface ProjectConfig {
  kinds: ProjectKind[];
  handlers: HandlerRef[];
  findings: Finding[];
  /** The parsed bulwark.yaml, linted once the handlers' code is known. */
  manifest?: { file: string; doc: Located };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

export function readProject(root: string, files: readonly ProjectFile[], schemaValidated: ReadonlySet<string>): ProjectConfig {
  const config: ProjectConfig = { kinds: [], handlers: [], findings: [] };
  const manifest = files.find((f) => f.rel === "bulwark.yaml" || f.rel === "bulwark.yml");
  if (manifest) {
    const doc = parseYaml(readFileSync(manifest.abs, "utf8"), manifest.rel);
    const functions = isObject(doc.value) && isObject(doc.value.functions) ? doc.value.functions : null;
    if (functions) {
      config.kinds.push("bulwark");
      config.manifest = { file: manifest.rel, doc };
      for (const [name, spec] of Object.entries(functions)) {
        if (!isObject(spec) || typeof spec.handler !== "string") continue;
        const exportName = typeof spec.export === "string" ? spec.export : "handler";
        const declared = { file: manifest.rel, ...doc.locate(["functions", name, "handler"]) };
        config.handlers.push({ ...projectFile(root, spec.handler, exportName), name, declared, schemaValidated: schemaValidated.has(name) });
      }
    }
  }
  for (const f of files) {
    const base = f.rel.slice(f.rel.lastIndexOf("/") + 1);
    const sam = base === "template.yaml" || base === "template.yml";
    const serverless = base === "serverless.yml" || base === "serverless.yaml";
    if (!sam && !serverless) continue;
    const doc = parseTemplate(f);
    if (!doc) continue;
    const dir = dirname(f.rel);
    if (sam && (isSamTemplate(doc.value) || (isObject(doc.value) && isObject(doc.value.Resources)))) {
      const scan = scanSam(root, dir, f.rel, doc);
      addKind(config, "sam");
      config.handlers.push(...scan.handlers.map((h) => ({ ...h, schemaValidated: schemaValidated.has(h.name) })));
      config.findings.push(...scan.findings);
    } else if (serverless && isObject(doc.value) && isObject(doc.value.functions)) {
      const scan = scanServerless(root, dir, f.rel, doc);
      addKind(config, "serverless");
      config.handlers.push(...scan.handlers.map((h) => ({ ...h, schemaValidated: schemaValidated.has(h.name) })));
      config.findings.push(...scan.findings);
    }
  }
  if (config.kinds.length === 0) config.kinds.push("plain");
  return config;
}

function addKind(config: ProjectConfig, kind: ProjectKind): void {
  if (!config.kinds.includes(kind)) config.kinds.push(kind);
}

/** A template at the root must parse; a nested file of the same name may be something else (Helm). */
function parseTemplate(f: ProjectFile): Located | null {
  try {
    return parseYaml(readFileSync(f.abs, "utf8"), f.rel);
  } catch (e) {
    if (!f.rel.includes("/")) throw e;
    return null;
  }
}

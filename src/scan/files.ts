// The project's files worth reading: source and configuration, never dependencies, VCS data or
// build caches, never through symlinks (a link can point anywhere on the build machine).
import { type Dirent, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const SKIP_DIRS = new Set([
  "node_modules", ".git", ".hg", ".svn", ".bulwark", ".aws-sam", ".serverless", "coverage", ".cache", ".next", ".turbo",
]);
const TEXT_EXTENSIONS = new Set([
  "ts", "tsx", "mts", "cts", "js", "jsx", "mjs", "cjs", "json", "yaml", "yml", "toml", "ini", "cfg", "conf", "properties",
  "env", "sh", "bash", "zsh", "py", "rb", "go", "java", "kt", "cs", "php", "tf", "tfvars", "hcl", "xml", "html", "md",
  "txt", "pem", "key", "sql", "graphql", "npmrc",
]);
const TEXT_NAMES = new Set([".env", ".npmrc", ".yarnrc", "Dockerfile", "credentials", "Procfile"]);
/** Generated files whose random-looking content is never a hardcoded secret of the project. */
const SKIP_FILES = new Set(["package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb"]);
const MAX_FILE_BYTES = 1024 * 1024;
const MAX_FILES = 100_000;

export interface ProjectFile {
  /** Relative to the project root, `/`-separated. */
  rel: string;
  abs: string;
}

function isText(name: string): boolean {
  if (TEXT_NAMES.has(name) || name.startsWith(".env.")) return true;
  if (/\.min\.js$|\.map$/.test(name)) return false;
  const dot = name.lastIndexOf(".");
  return dot >= 0 && TEXT_EXTENSIONS.has(name.slice(dot + 1).toLowerCase());
}

/** Text files to scan for secrets, in a stable order. Lockfiles are listed separately. */
export function projectFiles(root: string): { text: ProjectFile[]; lockfiles: ProjectFile[] } {
  const text: ProjectFile[] = [];
  const lockfiles: ProjectFile[] = [];
  const stack: Array<[string, string]> = [[root, ""]];
  while (stack.length > 0) {
    const [dir, rel] = stack.pop()!;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
    for (const e of entries) {
      const childRel = rel ? `${rel}/${e.name}` : e.name;
      const abs = join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) stack.push([abs, childRel]);
      } else if (e.isFile()) {
        if (e.name === "package-lock.json" || e.name === "npm-shrinkwrap.json") lockfiles.push({ rel: childRel, abs });
        else if (!SKIP_FILES.has(e.name) && isText(e.name)) text.push({ rel: childRel, abs });
        if (text.length + lockfiles.length > MAX_FILES) return { text, lockfiles };
      }
    }
  }
  text.sort((a, b) => (a.rel < b.rel ? -1 : 1));
  return { text, lockfiles };
}

/** The file's text, or null for a file too large or binary to be source. */
export function readText(file: ProjectFile): string | null {
  try {
    if (statSync(file.abs).size > MAX_FILE_BYTES) return null;
    const text = readFileSync(file.abs, "utf8");
    return text.slice(0, 8192).includes("\u0000") ? null : text;
  } catch {
    return null;
  }
}

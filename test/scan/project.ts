// Writes a throw-away project for a test: { "path/in/project": "contents" } → its directory.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export function writeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-scan-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

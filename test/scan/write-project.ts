// Writes a throw-away project for a test: { "path/in/project": "contents" } → its directory.
// The directories are removed when the test process exits.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const made: string[] = [];
process.once("exit", () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

export function writeProject(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-scan-"));
  made.push(dir);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

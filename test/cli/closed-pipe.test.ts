// `bulwark … | head -1`: the reader closes the pipe before the command has written everything.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { it } from "node:test";

const BIN = fileURLToPath(new URL("../../bin/bulwark.js", import.meta.url));

it("ends quietly with exit 0 when the reader of its output has gone", async () => {
  const child = spawn(process.execPath, [BIN, "--help"], { stdio: ["ignore", "pipe", "pipe"] });
  // Closed before the child has loaded: every write it makes meets a pipe without a reader.
  child.stdout.destroy();
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => child.on("close", done));
  assert.equal(stderr, "");
  assert.equal(code, 0);
});

#!/usr/bin/env node
// The `bulwark` command. Bulwark runs only on the Node.js it pins (the `node` package in
// node_modules); when started by an older `node` from the shell, this file re-executes itself
// with the pinned one. Keep it plain JavaScript that Node 20 can parse.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REQUIRED_MAJOR = 24;
const self = fileURLToPath(import.meta.url);
const major = Number(process.versions.node.split(".")[0]);

if (major === REQUIRED_MAJOR) {
  await import("../src/cli/main.ts");
} else {
  const pinned = join(dirname(self), "..", "node_modules", "node", "bin", "node");
  if (process.env.BULWARK_REEXEC === "1" || !existsSync(pinned)) {
    process.stderr.write(
      `bulwark: Node.js ${REQUIRED_MAJOR} is required (this is ${process.version}); run \`npm ci\` in ${join(dirname(self), "..")} to install the pinned runtime\n`,
    );
    process.exit(1);
  }
  const child = spawn(pinned, [self, ...process.argv.slice(2)], {
    stdio: "inherit",
    env: { ...process.env, BULWARK_REEXEC: "1" },
  });
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
    process.on(signal, () => child.kill(signal));
  }
  child.on("exit", (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}

// Can this machine run sandboxes? Starts one real, fully isolated node under bubblewrap with a
// one-line script and reports what to install or enable when that fails.

import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Writable } from "node:stream";
import { SECCOMP_FD, launchCommand } from "./launch.ts";
import { seccompProgram } from "./seccomp.ts";
import { nodeLibraries } from "./node-libs.ts";

const CHECK_TIMEOUT_MS = 10_000;

export async function checkSandboxSupport(
  nodePath: string,
  options: { bwrapPath?: string } = {},
): Promise<{ ok: true } | { ok: false; reason: string }> {
  const bwrapPath = options.bwrapPath ?? "/usr/bin/bwrap";
  if (process.platform !== "linux") return { ok: false, reason: "sandboxes need Linux (namespaces and cgroups)" };
  if (!existsSync(bwrapPath)) return { ok: false, reason: `bubblewrap is not installed at ${bwrapPath}: apt-get install bubblewrap (or dnf install bubblewrap)` };
  if (!existsSync(nodePath)) return { ok: false, reason: `the node binary ${nodePath} does not exist` };
  const dir = await mkdtemp(join(tmpdir(), "bulwark-check-"));
  try {
    // The sandbox uid must be able to reach the runtime directory.
    await chmod(dir, 0o755);
    await writeFile(join(dir, "runtime.mjs"), "process.exit(0);\n", { mode: 0o644 });
    const command = launchCommand({
      profile: { memoryBytes: 64 * 1024 * 1024, childProcesses: false, tmpWrite: false },
      nodePath,
      libraries: await nodeLibraries(nodePath),
      runtimeDir: dir,
      bundleDir: dir,
      insecureNoSandbox: false,
      bwrapPath,
      procsFiles: [],
      cpuSeconds: 10,
      tmpBytes: 4096,
      dropPrivileges: process.getuid?.() === 0,
      seccomp: seccompProgram(),
    });
    const { code, output } = await run(command.file, command.args, command.env, command.seccomp);
    if (code === 0) return { ok: true };
    return { ok: false, reason: explain(output) };
  } catch (e) {
    return { ok: false, reason: (e as Error).message };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(file: string, args: string[], env: Record<string, string>, seccomp: Buffer | undefined): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    // The same descriptors as a sandbox: fd 3 the channel, fd SECCOMP_FD the filter.
    const child = spawn(file, args, { stdio: ["ignore", "ignore", "pipe", "pipe", seccomp === undefined ? "ignore" : "pipe"], env });
    if (seccomp !== undefined) (child.stdio[SECCOMP_FD] as Writable).end(seccomp);
    let output = "";
    child.stderr!.setEncoding("utf8");
    child.stderr!.on("data", (chunk: string) => {
      if (output.length < 4096) output += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), CHECK_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function explain(output: string): string {
  const first = output.trim().split("\n")[0] ?? "";
  if (/namespace|uid map|Operation not permitted|setting up/i.test(output)) {
    return (
      `bubblewrap cannot create user namespaces (${first}): enable them with ` +
      "sysctl -w kernel.unprivileged_userns_clone=1 (Debian), sysctl -w user.max_user_namespaces=15000, " +
      "or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0 (Ubuntu 24.04)"
    );
  }
  if (/Unknown option/.test(output)) return `bubblewrap is too old (${first}): Bulwark needs bubblewrap 0.8 or newer`;
  return `a test sandbox failed to start: ${first || "no output"}`;
}

// Shared set-up for the sandbox and runtime tests: a built runtime, handler bundles built with
// esbuild from source text, and real bubblewrap sandboxes that are always killed afterwards.

import { build } from "esbuild";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildRuntime } from "../../src/sandbox/runtime-build.ts";
import { Sandbox } from "../../src/sandbox/sandbox.ts";
import type { SandboxOptions, SandboxProfile } from "../../src/sandbox/sandbox.ts";
import type { InvocationContext, LogLevel } from "../../src/sandbox/protocol.ts";

export const NODE_PATH = new URL("../../node_modules/node/bin/node", import.meta.url).pathname;

export interface LogEntry {
  id: string | null;
  level: LogLevel;
  msg: string;
}

export class TestBench {
  readonly dir: string;
  readonly #sandboxes: Sandbox[] = [];
  #runtime: Promise<string> | undefined;
  #count = 0;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), "bulwark-sandbox-test-"));
    // The sandbox runs as an unprivileged uid, which must be able to reach the runtime and bundles.
    chmodSync(this.dir, 0o755);
  }

  /** Bundles handler source (TypeScript/ESM) into an ES module file and returns its path. */
  async bundle(source: string): Promise<string> {
    const name = `handler-${++this.#count}`;
    const entry = join(this.dir, `${name}.ts`);
    writeFileSync(entry, source);
    const outfile = join(this.dir, `${name}.mjs`);
    await build({ entryPoints: [entry], outfile, bundle: true, format: "esm", platform: "node", target: "node24", logLevel: "silent" });
    return outfile;
  }

  async start(overrides: Omit<Partial<SandboxOptions>, "profile"> & { profile?: Partial<SandboxProfile> } = {}): Promise<Sandbox & { logs: LogEntry[] }> {
    this.#runtime ??= buildRuntime(join(this.dir, "runtime"));
    const runtimeDir = join(await this.#runtime, "..");
    const logs: LogEntry[] = [];
    const sandbox = await Sandbox.start({
      nodePath: NODE_PATH,
      runtimeDir,
      workDir: join(this.dir, `work-${++this.#count}`),
      onLog: (entry) => logs.push(entry),
      ...overrides,
      profile: { memoryBytes: 128 * 1024 * 1024, childProcesses: false, tmpWrite: true, ...overrides.profile },
    });
    this.#sandboxes.push(sandbox);
    return Object.assign(sandbox, { logs });
  }

  /** Starts a sandbox with this handler source loaded (export `handler`). */
  async load(source: string, overrides: Parameters<TestBench["start"]>[0] = {}): Promise<Sandbox & { logs: LogEntry[] }> {
    const file = await this.bundle(source);
    const sandbox = await this.start(overrides);
    await sandbox.load(file, "handler");
    return sandbox;
  }

  async close(): Promise<void> {
    await Promise.all(this.#sandboxes.map((sandbox) => sandbox.kill()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

let requests = 0;

export function context(overrides: Partial<InvocationContext> = {}): InvocationContext {
  return { requestId: `req-${++requests}`, functionName: "fn", version: "v1", deadline: Date.now() + 60_000, ...overrides };
}

/** Whether a host pid still exists. */
export function processExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

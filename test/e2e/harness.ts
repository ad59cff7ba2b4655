// Drives the real `bulwark` CLI: writes apps into temp dirs, starts `bulwark up` as a child
// process on free ports, and runs other commands against it.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { devCa, nodeFetch } from "./https-fetch.ts";

export const ROOT = resolve(import.meta.dirname, "../..");
const BIN = join(ROOT, "bin", "bulwark.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Writes files (path → content) into a fresh temp dir and returns it. */
export function writeApp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "bulwark-app-"));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

export function cli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface RunningPlatform {
  /** The prod stage's edge. */
  url: string;
  /** The dev stage's edge (`up` prints it as "dev stage: URL"). */
  devUrl: string;
  dataDir: string;
  appDir: string;
  stdout(): string;
  stderr(): string;
  cli(args: string[]): CliResult;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** fetch, on the dev stage's edge. */
  devFetch(path: string, init?: RequestInit): Promise<Response>;
  stop(): Promise<void>;
  /** Stops the platform (SIGTERM, a clean shutdown) and keeps its data and app dirs, to start it again. */
  halt(): Promise<void>;
}

/** `dataDir` starts the platform on an existing data dir (a restart); a fresh temp dir otherwise. */
export async function up(appDir: string, extra: string[] = [], options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<RunningPlatform> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "bulwark-data-"));
  const child = spawn(process.execPath, [BIN, "up", appDir, "--port", "0", "--data", dataDir, ...extra], {
    cwd: ROOT,
    env: { ...process.env, CANARY_SECRET: "platform-env-must-not-leak", ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const { url, devUrl } = await new Promise<{ url: string; devUrl: string }>((resolveUrl, reject) => {
    // A platform that never comes up fails the test instead of hanging it; one that did come up
    // must not be killed 60 s later in the middle of a long test file.
    const startup = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`bulwark up did not start within 60 s: ${stderr}${stdout}`));
    }, 60_000).unref();
    const check = () => {
      const prod = /Bulwark is serving at (https?:\/\/\S+)/.exec(stdout);
      const dev = /^dev stage: (https?:\/\/\S+)$/m.exec(stdout);
      if (prod && dev) {
        clearTimeout(startup);
        resolveUrl({ url: prod[1]!, devUrl: dev[1]! });
      }
    };
    child.stdout.on("data", check);
    child.once("exit", (code) => reject(new Error(`bulwark up exited with ${code}: ${stderr}${stdout}`)));
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  // With --tls dev the only trusted root is the platform's own development certificate.
  const fetchOn = (base: string) => (path: string, init?: RequestInit) => nodeFetch(`${base}${path}`, init, base.startsWith("https:") ? devCa(dataDir) : undefined);
  return {
    url,
    devUrl,
    dataDir,
    appDir,
    stdout: () => stdout,
    stderr: () => stderr,
    cli: (args) => cli([...args, "--data-dir", dataDir]),
    fetch: fetchOn(url),
    devFetch: fetchOn(devUrl),
    async stop() {
      child.kill("SIGTERM");
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(appDir, { recursive: true, force: true });
    },
    async halt() {
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/** A manifest with one function per entry, each on `POST /<name>` unless routes are given. */
export function manifest(app: string, functions: Record<string, { handler: string; extra?: string; routes?: string[] }>): string {
  const lines = [`app: ${app}`, "functions:"];
  for (const [name, f] of Object.entries(functions)) {
    lines.push(`  ${name}:`, `    handler: ${f.handler}`);
    if (f.extra) lines.push(...f.extra.split("\n").map((l) => `    ${l}`));
    lines.push("    triggers:");
    for (const r of f.routes ?? [`POST /${name}`]) {
      const [method, path] = r.split(" ");
      lines.push(`      - http: { method: ${method}, path: "${path}", auth: none }`);
    }
  }
  return `${lines.join("\n")}\n`;
}

export async function json(res: Response): Promise<Record<string, unknown>> {
  return (await res.json()) as Record<string, unknown>;
}

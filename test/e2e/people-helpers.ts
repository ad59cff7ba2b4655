// Helpers for the people e2e tests: the real control API over HTTP and the real CLI, each test
// with its own config dir so no session ever lands in the developer's ~/.config.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { base32Decode, totpCode } from "../../src/core/people/totp.ts";
import { ROOT, type CliResult, type RunningPlatform } from "./harness.ts";

const BIN = join(ROOT, "bin", "bulwark.js");

export interface Control {
  url: string;
  /** The local operator token from the data dir. */
  local: string;
}

export function controlOf(p: RunningPlatform): Control {
  const { url } = JSON.parse(readFileSync(join(p.dataDir, "control.json"), "utf8")) as { url: string };
  return { url, local: readFileSync(join(p.dataDir, "admin.token"), "utf8").trim() };
}

export interface Answer {
  status: number;
  body: Record<string, unknown> & { code?: string };
  headers: Headers;
}

export async function api(c: Control, token: string | null, method: string, path: string, body?: unknown): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (token !== null) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(`${c.url}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  const isJson = /json/.test(res.headers.get("content-type") ?? "");
  return { status: res.status, body: isJson && text !== "" ? (JSON.parse(text) as Answer["body"]) : { text }, headers: res.headers };
}

/** The one-time password `up` printed for the first admin. */
export function firstAdminPassword(p: RunningPlatform): string {
  const m = /created user "admin" with one-time password (\S+)/.exec(p.stdout());
  if (!m) throw new Error(`no admin password in: ${p.stdout()}`);
  return m[1]!;
}

export function totp(secret: string, offsetMs = 0): string {
  return totpCode(base32Decode(secret), Date.now() + offsetMs);
}

/**
 * Adds a user with the local operator token; they sign in once with the one-time password and
 * choose their own, which is returned.
 */
export async function addUser(c: Control, name: string, roles: string[]): Promise<string> {
  const res = await api(c, c.local, "POST", "/v1/users", { name, roles });
  if (res.status !== 200) throw new Error(`adding ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  const oneTime = res.body.password as string;
  const token = await login(c, name, oneTime);
  const chosen = `${name}-chose-this-password`;
  const changed = await api(c, token, "POST", "/v1/auth/password", { current: oneTime, new: chosen });
  if (changed.status !== 200) throw new Error(`password of ${name}: ${changed.status} ${JSON.stringify(changed.body)}`);
  await api(c, token, "POST", "/v1/auth/logout");
  return chosen;
}

export async function login(c: Control, user: string, password: string, code?: string): Promise<string> {
  const res = await api(c, null, "POST", "/v1/auth/login", { user, password, ...(code === undefined ? {} : { code }) });
  if (res.status !== 200) throw new Error(`login ${user}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.token as string;
}

/** Enrols TOTP through the API with the session and the password; the confirmation is an MFA check. */
export async function enrol(c: Control, token: string, password: string): Promise<{ secret: string; recoveryCodes: string[] }> {
  const started = await api(c, token, "POST", "/v1/auth/mfa/enroll", { password });
  if (started.status !== 200) throw new Error(`enrol: ${started.status} ${JSON.stringify(started.body)}`);
  const secret = started.body.secret as string;
  const confirmed = await api(c, token, "POST", "/v1/auth/mfa/confirm", { code: totp(secret) });
  if (confirmed.status !== 200) throw new Error(`enrol: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return { secret, recoveryCodes: confirmed.body.recoveryCodes as string[] };
}

export function configDir(): string {
  return mkdtempSync(join(tmpdir(), "bulwark-config-"));
}

/**
 * Runs the CLI as a person with their own config dir; `input` is what they would type. Async on
 * purpose: a blocking spawnSync would stall this process's event loop, so a keep-alive socket the
 * platform closed meanwhile would be reused by the next fetch.
 */
export function cliAs(args: string[], options: { config: string; input?: string; env?: Record<string, string> }): Promise<CliResult> {
  const env: Record<string, string | undefined> = { ...process.env, XDG_CONFIG_HOME: options.config, BULWARK_TOKEN: "", ...options.env };
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env });
  child.stdin.end(options.input ?? "");
  return collect(child);
}

/**
 * Runs the CLI and answers its questions as they come: `answer` gets the output so far each time
 * the CLI prints, and returns the next line to type (or null to wait). `typedAhead` is typed at
 * once, for a question asked before any output (a prompt on a pipe prints nothing).
 */
export function cliInteractive(args: string[], config: string, answer: (stdout: string) => string | null, typedAhead?: string): Promise<CliResult> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, XDG_CONFIG_HOME: config, BULWARK_TOKEN: "" } });
  if (typedAhead !== undefined) child.stdin.write(`${typedAhead}\n`);
  let stdout = "";
  let stderr = "";
  const respond = () => {
    const line = answer(stdout + stderr);
    if (line !== null) child.stdin.write(`${line}\n`);
  };
  child.stdout.on("data", (d: Buffer) => ((stdout += d.toString()), respond()));
  child.stderr.on("data", (d: Buffer) => ((stderr += d.toString()), respond()));
  return collect(child, () => ({ stdout, stderr }));
}

/** `bulwark mfa enroll` as a person does it: types the password, reads the key it shows and types the current code. */
export function cliEnrol(dataDir: string, config: string, password: string): Promise<CliResult> {
  let answered = false;
  const typeCode = (out: string): string | null => {
    const key = /key: ([A-Z2-7]+)\n/.exec(out);
    if (!key || answered) return null;
    answered = true;
    return totp(key[1]!);
  };
  return cliInteractive(["mfa", "enroll", "--data-dir", dataDir], config, typeCode, password);
}

function collect(child: ChildProcessWithoutNullStreams, seen?: () => { stdout: string; stderr: string }): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  if (!seen) {
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.once("close", (code) => {
      clearTimeout(timer);
      resolve({ code, ...(seen ? seen() : { stdout, stderr }) });
    });
  });
}

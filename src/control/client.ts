// How the CLI reaches a running platform: the control URL and admin token the platform wrote into
// its data dir. Problems the API answers come back as the same BulwarkError codes.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BulwarkError, ERROR_CODES, type ErrorCode } from "../core/errors.ts";

export class ControlClient {
  readonly #url: string;
  readonly #token: string;

  constructor(url: string, token: string) {
    this.#url = url;
    this.#token = token;
  }

  static fromDataDir(dataDir: string): ControlClient {
    let control: { url?: unknown };
    let token: string;
    try {
      control = JSON.parse(readFileSync(join(dataDir, "control.json"), "utf8")) as { url?: unknown };
      token = readFileSync(join(dataDir, "admin.token"), "utf8").trim();
    } catch {
      throw new BulwarkError(
        "BWK_PLATFORM_UNREACHABLE",
        `no running platform found in ${dataDir} (start one with \`bulwark up\`, or pass --data-dir)`,
      );
    }
    if (typeof control.url !== "string") throw new BulwarkError("BWK_PLATFORM_UNREACHABLE", `${join(dataDir, "control.json")} is corrupt`);
    return new ControlClient(control.url, token);
  }

  async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.#url}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.#token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new BulwarkError("BWK_PLATFORM_UNREACHABLE", `the platform at ${this.#url} is not answering (is \`bulwark up\` running?)`);
    }
    const text = await res.text();
    let value: unknown;
    try {
      value = text === "" ? undefined : JSON.parse(text);
    } catch {
      throw new BulwarkError("BWK_INTERNAL", `the platform answered ${res.status} with a body that is not JSON`);
    }
    if (!res.ok) throw fromProblem(res.status, value);
    return value as T;
  }
}

function fromProblem(status: number, value: unknown): BulwarkError {
  const p = (value ?? {}) as { code?: string; detail?: string; title?: string; requestId?: string };
  const code = (p.code && p.code in ERROR_CODES ? p.code : status >= 500 ? "BWK_INTERNAL" : "BWK_BAD_REQUEST") as ErrorCode;
  const text = p.detail ?? p.title ?? `HTTP ${status}`;
  const suffix = status >= 500 && p.requestId ? ` (request ${p.requestId})` : "";
  return new BulwarkError(code, `${text}${suffix}`, { extra: { requestId: p.requestId } });
}

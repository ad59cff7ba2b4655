// How the CLI reaches a running platform: a control URL, how to trust it over https (transport.ts),
// and a bearer credential (a session from `bulwark login`, a CI token, or the local operator token
// the platform wrote into its data dir).
// Problems the API answers come back as the same BulwarkError codes; a step-up refusal can be
// answered with a code and the call retried once.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BulwarkError, ERROR_CODES, isBulwarkError, type ErrorCode } from "../core/errors.ts";
import type { ControlEndpoint } from "./endpoint.ts";
import { exchange, type Exchange, type ServerTrust } from "./transport.ts";

/** Where a platform's control API is, how its certificate is checked, and the local operator token if this user can read it. */
export interface ControlTarget {
  url: string;
  trust?: ServerTrust;
  localToken?: string;
}

export interface ClientOptions {
  /**
   * Asked for a TOTP or recovery code when the API answers BWK_STEP_UP_REQUIRED; the code is sent
   * to /v1/auth/mfa/verify and the call retried once. Null (no answer) keeps the refusal.
   */
  stepUp?: () => Promise<string | null>;
}

export class ControlClient {
  readonly #url: string;
  readonly #trust: ServerTrust | undefined;
  readonly #token: string | null;
  readonly #options: ClientOptions;

  constructor(target: ControlTarget, token: string | null, options: ClientOptions = {}) {
    this.#url = target.url.replace(/\/+$/, "");
    this.#trust = target.trust;
    this.#token = token;
    this.#options = options;
  }

  get url(): string {
    return this.#url;
  }

  static targetOf(dataDir: string): ControlTarget {
    let control: Partial<Record<keyof ControlEndpoint, unknown>>;
    try {
      control = JSON.parse(readFileSync(join(dataDir, "control.json"), "utf8")) as typeof control;
    } catch {
      throw new BulwarkError(
        "BWK_PLATFORM_UNREACHABLE",
        `no running platform found in ${dataDir} (start one with \`bulwark up\`, pass --data-dir, or --control-url)`,
      );
    }
    const { url, fingerprint256 } = control;
    if (typeof url !== "string" || (url.startsWith("https:") && typeof fingerprint256 !== "string")) {
      throw new BulwarkError("BWK_PLATFORM_UNREACHABLE", `${join(dataDir, "control.json")} is corrupt`);
    }
    let localToken: string | undefined;
    try {
      localToken = readFileSync(join(dataDir, "admin.token"), "utf8").trim();
    } catch {
      // Not readable by this user: they sign in with `bulwark login` instead.
    }
    return { url, ...(typeof fingerprint256 === "string" ? { trust: { fingerprint256 } } : {}), ...(localToken ? { localToken } : {}) };
  }

  /** A client with the local operator token of the platform in `dataDir`. */
  static fromDataDir(dataDir: string): ControlClient {
    const target = ControlClient.targetOf(dataDir);
    if (target.localToken === undefined) {
      throw new BulwarkError("BWK_PLATFORM_UNREACHABLE", `cannot read ${join(dataDir, "admin.token")}: sign in with \`bulwark login\``);
    }
    return new ControlClient(target, target.localToken);
  }

  async request<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    try {
      return await this.#send<T>(method, path, body);
    } catch (e) {
      if (!isBulwarkError(e) || e.code !== "BWK_STEP_UP_REQUIRED" || this.#options.stepUp === undefined) throw e;
      // Without an authenticator there is no code to ask for; the message says how to enrol.
      if (e.extra.mfaEnrolled === false) throw e;
      const code = await this.#options.stepUp();
      if (code === null) throw e;
      await this.#send("POST", "/v1/auth/mfa/verify", { code });
      return this.#send<T>(method, path, body);
    }
  }

  async #send<T>(method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
    let res: Exchange;
    const headers: Record<string, string> = {};
    if (this.#token !== null) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    try {
      res = await exchange(`${this.#url}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) }, this.#trust);
    } catch (e) {
      if (isBulwarkError(e)) throw e;
      const hint = this.#url.startsWith("http:") ? "; a control API with TLS needs an https:// URL" : "";
      throw new BulwarkError("BWK_PLATFORM_UNREACHABLE", `the platform at ${this.#url} is not answering (is \`bulwark up\` running?${hint})`);
    }
    let value: unknown;
    try {
      value = res.body === "" ? undefined : JSON.parse(res.body);
    } catch {
      throw new BulwarkError("BWK_INTERNAL", `the platform answered ${res.status} with a body that is not JSON`);
    }
    if (res.status < 200 || res.status > 299) throw fromProblem(res.status, value);
    return value as T;
  }
}

function fromProblem(status: number, value: unknown): BulwarkError {
  const p = (value ?? {}) as { code?: string; detail?: string; title?: string; requestId?: string; mfaEnrolled?: unknown };
  const code = (p.code && p.code in ERROR_CODES ? p.code : status >= 500 ? "BWK_INTERNAL" : "BWK_BAD_REQUEST") as ErrorCode;
  const text = p.detail ?? p.title ?? `HTTP ${status}`;
  const suffix = status >= 500 && p.requestId ? ` (request ${p.requestId})` : "";
  const mfa = typeof p.mfaEnrolled === "boolean" ? { mfaEnrolled: p.mfaEnrolled } : {};
  return new BulwarkError(code, `${text}${suffix}`, { extra: { requestId: p.requestId, ...mfa } });
}

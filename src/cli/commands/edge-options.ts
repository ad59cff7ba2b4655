// `bulwark up` options for the public edge: TLS, trusted proxies and the body deadline.
import { resolve } from "node:path";
import { BulwarkError } from "../../core/errors.ts";
import { parseCidr } from "../../core/ipaddr.ts";
import { parseDuration } from "../../core/manifest/units.ts";
import type { TlsSource } from "../../edge/tls.ts";
import type { Env, Options, Parsed } from "../command.ts";

export const EDGE_OPTIONS: Options = {
  tls: { type: "string" },
  "tls-cert": { type: "string" },
  "tls-key": { type: "string" },
  "trust-proxy": { type: "string", multiple: true },
  "body-timeout": { type: "string" },
};

export const EDGE_HELP: Record<string, string> = {
  tls: "dev: serve HTTPS with a generated development certificate for localhost (DATA/tls/dev-cert.pem)",
  "tls-cert": "serve HTTPS with this PEM certificate (chain); needs --tls-key",
  "tls-key": "the PEM private key of --tls-cert",
  "trust-proxy": "believe X-Forwarded-For from this proxy address or CIDR (repeatable; default: never)",
  "body-timeout": "answer 408 when a request body has not fully arrived this long after the request (default 10s)",
};

export interface EdgeSettings {
  tls?: TlsSource;
  trustProxy?: string[];
  bodyTimeoutMs?: number;
}

export function edgeSettings(args: Parsed, env: Env, dataDir: string): EdgeSettings {
  const out: EdgeSettings = {};
  const tls = tlsSource(args, env, dataDir, "tls");
  if (tls) out.tls = tls;
  const proxies = (args.values["trust-proxy"] as unknown as string[] | undefined) ?? [];
  if (proxies.length > 0) {
    out.trustProxy = proxies.map((p) => {
      const cidr = parseCidr(p.trim());
      if (cidr === null) throw usage(`--trust-proxy must be an address or CIDR, got "${p.slice(0, 64)}"`);
      return cidr.text;
    });
  }
  const timeout = args.values["body-timeout"];
  if (typeof timeout === "string") {
    let ms: number;
    try {
      ms = parseDuration(timeout);
    } catch (e) {
      throw usage(`--body-timeout ${(e as Error).message}`);
    }
    if (ms < 100 || ms > 10 * 60_000) throw usage("--body-timeout must be between 100ms and 10m");
    out.bodyTimeoutMs = ms;
  }
  return out;
}

/** `--NAME dev | --NAME-cert F --NAME-key F`, for the edge (tls) and the control API (control-tls). */
export function tlsSource(args: Parsed, env: Env, dataDir: string, name: "tls" | "control-tls"): TlsSource | undefined {
  const dev = args.values[name];
  const cert = args.values[`${name}-cert`];
  const key = args.values[`${name}-key`];
  if (dev !== undefined) {
    if (dev !== "dev") throw usage(`--${name} takes only "dev" (for your own certificate use --${name}-cert and --${name}-key)`);
    if (cert !== undefined || key !== undefined) throw usage(`--${name} dev and --${name}-cert/--${name}-key exclude each other`);
    return { dev: true, dataDir };
  }
  if (cert === undefined && key === undefined) return undefined;
  if (typeof cert !== "string" || typeof key !== "string") throw usage(`--${name}-cert and --${name}-key go together`);
  return { certFile: resolve(env.cwd, cert), keyFile: resolve(env.cwd, key) };
}

function usage(message: string): BulwarkError {
  return new BulwarkError("BWK_USAGE", message);
}

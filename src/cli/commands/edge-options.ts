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
  const tls = args.values.tls;
  const cert = args.values["tls-cert"];
  const key = args.values["tls-key"];
  if (tls !== undefined) {
    if (tls !== "dev") throw usage(`--tls takes only "dev" (for your own certificate use --tls-cert and --tls-key)`);
    if (cert !== undefined || key !== undefined) throw usage("--tls dev and --tls-cert/--tls-key exclude each other");
    out.tls = { dev: true, dataDir };
  } else if (cert !== undefined || key !== undefined) {
    if (typeof cert !== "string" || typeof key !== "string") throw usage("--tls-cert and --tls-key go together");
    out.tls = { certFile: resolve(env.cwd, cert), keyFile: resolve(env.cwd, key) };
  }
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

function usage(message: string): BulwarkError {
  return new BulwarkError("BWK_USAGE", message);
}

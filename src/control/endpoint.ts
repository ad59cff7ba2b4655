// Where the control API listens, and how a CLI on this machine finds and trusts it. The API carries
// bearer tokens, so it listens beyond loopback only with TLS. control.json (0600, in the data dir)
// names its URL and, with TLS, the SHA-256 fingerprint of its certificate, which the CLI pins.
import { X509Certificate } from "node:crypto";
import { writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { BulwarkError } from "../core/errors.ts";
import { isLoopbackHost, parseAddress } from "../core/ipaddr.ts";
import { loadTls, type TlsMaterial, type TlsSource } from "../edge/tls.ts";
import { urlHost } from "./servers.ts";

export const DEFAULT_CONTROL_HOST = "127.0.0.1";

/** What control.json holds. */
export interface ControlEndpoint {
  url: string;
  pid: number;
  /** The certificate's SHA-256 fingerprint ("AB:CD:…"), with TLS. */
  fingerprint256?: string;
}

/** Checks where the control API may listen and loads its certificate, before anything is opened. */
export async function controlListener(host: string, source: TlsSource | undefined): Promise<{ host: string; tls?: TlsMaterial }> {
  checkControlExposure(host, source !== undefined);
  return { host, ...(source ? { tls: await loadTls(source, "--control-tls") } : {}) };
}

export function checkControlExposure(host: string, tls: boolean): void {
  if (host !== "localhost" && parseAddress(host) === null) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `--control-host must be an IP address or localhost, got "${host.slice(0, 64)}"`);
  }
  if (tls || isLoopbackHost(host)) return;
  throw new BulwarkError(
    "BWK_INVALID_ARGUMENT",
    `--control-host ${host} is beyond loopback and needs --control-tls (dev, or --control-tls-cert/--control-tls-key): control API credentials must never cross a network in clear text`,
  );
}

/** The URL a CLI on this machine uses (a wildcard listener is reached on loopback), and the pin. */
export function endpointOf(address: AddressInfo, tls: TlsMaterial | undefined): Omit<ControlEndpoint, "pid"> {
  const host = WILDCARD_TO_LOOPBACK[address.address] ?? urlHost(address.address);
  if (!tls) return { url: `http://${host}:${address.port}` };
  return { url: `https://${host}:${address.port}`, fingerprint256: new X509Certificate(tls.cert).fingerprint256 };
}

const WILDCARD_TO_LOOPBACK: Partial<Record<string, string>> = { "0.0.0.0": "127.0.0.1", "::": "[::1]" };

export function writeControlEndpoint(dataDir: string, endpoint: ControlEndpoint): void {
  writeFileSync(join(dataDir, "control.json"), `${JSON.stringify(endpoint)}\n`, { mode: 0o600 });
}

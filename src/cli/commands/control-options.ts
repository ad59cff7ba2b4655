// `bulwark up` options for the control API's listener: its port, its address and its TLS.
import { DEFAULT_CONTROL_HOST, checkControlExposure } from "../../control/endpoint.ts";
import type { TlsSource } from "../../edge/tls.ts";
import { intOption, type Env, type Options, type Parsed } from "../command.ts";
import { tlsSource } from "./edge-options.ts";

export const CONTROL_OPTIONS: Options = {
  "control-port": { type: "string" },
  "control-host": { type: "string" },
  "control-tls": { type: "string" },
  "control-tls-cert": { type: "string" },
  "control-tls-key": { type: "string" },
};

export const CONTROL_HELP: Record<string, string> = {
  "control-port": "port of the control API (default: a free one, written to DATA/control.json)",
  "control-host": "address the control API listens on (default 127.0.0.1); beyond loopback only with --control-tls*",
  "control-tls": "dev: the control API speaks HTTPS with the development certificate (DATA/tls/dev-cert.pem); the CLI pins its fingerprint",
  "control-tls-cert": "the control API speaks HTTPS with this PEM certificate (chain); needs --control-tls-key",
  "control-tls-key": "the PEM private key of --control-tls-cert",
};

export interface ControlSettings {
  controlPort: number;
  controlHost: string;
  controlTls?: TlsSource;
}

export function controlSettings(args: Parsed, env: Env, dataDir: string): ControlSettings {
  const tls = tlsSource(args, env, dataDir, "control-tls");
  const host = args.values["control-host"];
  const controlHost = typeof host === "string" ? host : DEFAULT_CONTROL_HOST;
  // Checked here too, so a refused address fails before the app is built and scanned.
  checkControlExposure(controlHost, tls !== undefined);
  return { controlPort: intOption("control-port", args.values["control-port"], 0, 65_535), controlHost, ...(tls ? { controlTls: tls } : {}) };
}

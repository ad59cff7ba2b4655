// Where the outbox delivers: an OCSF webhook over HTTPS or a CEF syslog receiver over TCP/TLS.
// A sink's configuration is checked once, strictly, when it is added (unknown keys are refused);
// the delivery code trusts what is stored.

import { X509Certificate } from "node:crypto";
import { isIP } from "node:net";
import { BulwarkError } from "../../core/errors.ts";

export interface HttpsSinkConfig {
  name: string;
  kind: "ocsf-https";
  /** https:// only; certificate verification is always on. */
  url: string;
  /** Sent as `Authorization: Bearer <token>`; stored only as the outbox's token sealer sealed it. */
  token: string;
  /** Events per POST (1..1000, default 100). */
  batchSize?: number;
  /** PEM CA certificate(s) to trust instead of the system roots (a private SIEM CA, tests). */
  ca?: string;
}

export interface SyslogSinkConfig {
  name: string;
  kind: "syslog";
  host: string;
  port: number;
  tls: boolean;
  /** PEM CA certificate(s) to trust instead of the system roots; TLS only. */
  ca?: string;
  /** Messages per connection (1..1000, default 100). */
  batchSize?: number;
}

export type SinkConfig = HttpsSinkConfig | SyslogSinkConfig;

/** A sink's stored settings: its configuration without the token. */
export type SinkSettings =
  | { kind: "ocsf-https"; url: string; batchSize: number; ca?: string }
  | { kind: "syslog"; host: string; port: number; tls: boolean; batchSize: number; ca?: string };

/** What listSinks() shows: no token, and only whether a CA is pinned. */
export type SinkInfo = { name: string; createdAt: number; hasCa: boolean } & (
  | { kind: "ocsf-https"; url: string; batchSize: number }
  | { kind: "syslog"; host: string; port: number; tls: boolean; batchSize: number }
);

export const DEFAULT_BATCH_SIZE = 100;
const MAX_BATCH_SIZE = 1000;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
// A bearer token goes into a header as is: visible ASCII only, so it cannot split the header (CWE-113).
const TOKEN = /^[\x21-\x7e]{1,4096}$/;

const HTTPS_KEYS = new Set(["name", "kind", "url", "token", "batchSize", "ca"]);
const SYSLOG_KEYS = new Set(["name", "kind", "host", "port", "tls", "ca", "batchSize"]);

export function validateSinkConfig(input: unknown): SinkConfig {
  if (typeof input !== "object" || input === null || Array.isArray(input)) invalid("sink configuration must be an object");
  const c = input as Record<string, unknown>;
  if (typeof c["name"] !== "string" || !NAME.test(c["name"])) {
    invalid("sink name must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit");
  }
  const name = c["name"];
  if (c["kind"] === "ocsf-https") {
    onlyKeys(c, HTTPS_KEYS, name);
    const url = httpsUrl(c["url"], name);
    if (typeof c["token"] !== "string" || !TOKEN.test(c["token"])) {
      invalid(`sink ${name}: token must be 1-4096 visible ASCII characters`);
    }
    return { name, kind: "ocsf-https", url, token: c["token"], batchSize: batchSize(c["batchSize"], name), ...caOf(c["ca"], name) };
  }
  if (c["kind"] === "syslog") {
    onlyKeys(c, SYSLOG_KEYS, name);
    const host = c["host"];
    if (typeof host !== "string" || (isIP(host) === 0 && !HOSTNAME.test(host))) invalid(`sink ${name}: host must be a hostname or IP address`);
    const port = c["port"];
    if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) invalid(`sink ${name}: port must be an integer 1-65535`);
    if (typeof c["tls"] !== "boolean") invalid(`sink ${name}: tls must be true or false`);
    if (c["ca"] !== undefined && c["tls"] !== true) invalid(`sink ${name}: ca applies only with tls: true`);
    return { name, kind: "syslog", host, port, tls: c["tls"], batchSize: batchSize(c["batchSize"], name), ...caOf(c["ca"], name) };
  }
  return invalid(`sink ${name}: kind must be "ocsf-https" or "syslog"`);
}

export function settingsOf(config: SinkConfig): SinkSettings {
  const ca = config.ca !== undefined ? { ca: config.ca } : {};
  const batch = config.batchSize ?? DEFAULT_BATCH_SIZE;
  return config.kind === "ocsf-https"
    ? { kind: "ocsf-https", url: config.url, batchSize: batch, ...ca }
    : { kind: "syslog", host: config.host, port: config.port, tls: config.tls, batchSize: batch, ...ca };
}

export function infoOf(name: string, createdAt: number, s: SinkSettings): SinkInfo {
  const common = { name, createdAt, hasCa: s.ca !== undefined };
  return s.kind === "ocsf-https"
    ? { ...common, kind: s.kind, url: s.url, batchSize: s.batchSize }
    : { ...common, kind: s.kind, host: s.host, port: s.port, tls: s.tls, batchSize: s.batchSize };
}

function httpsUrl(value: unknown, name: string): string {
  if (typeof value !== "string" || value.length > 2048 || !URL.canParse(value)) invalid(`sink ${name}: url must be an absolute https:// URL`);
  const url = new URL(value);
  if (url.protocol !== "https:") invalid(`sink ${name}: url must use https:// (events and the token never travel in clear)`);
  if (url.username !== "" || url.password !== "") invalid(`sink ${name}: url must not carry credentials; use token`);
  return url.href;
}

function batchSize(value: unknown, name: string): number {
  if (value === undefined) return DEFAULT_BATCH_SIZE;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_BATCH_SIZE) {
    invalid(`sink ${name}: batchSize must be an integer 1-${MAX_BATCH_SIZE}`);
  }
  return value;
}

function caOf(value: unknown, name: string): { ca?: string } {
  if (value === undefined) return {};
  if (typeof value !== "string" || value.length > 256 * 1024) invalid(`sink ${name}: ca must be a PEM certificate`);
  try {
    new X509Certificate(value);
  } catch {
    invalid(`sink ${name}: ca is not a valid PEM certificate`);
  }
  return { ca: value };
}

function onlyKeys(c: Record<string, unknown>, allowed: Set<string>, name: string): void {
  const extra = Object.keys(c).filter((k) => !allowed.has(k));
  if (extra.length > 0) invalid(`sink ${name}: unknown option ${extra.map((k) => JSON.stringify(k)).join(", ")}`);
}

function invalid(message: string): never {
  throw new BulwarkError("BWK_INVALID_ARGUMENT", message);
}

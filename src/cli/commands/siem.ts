// `bulwark siem add|ls|rm`: where security events and audit records are exported. The webhook
// token is read from a file or stdin, never from the command line (argv is visible to every
// user of the machine in ps, and kept in shell history).
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { resolve } from "node:path";
import { BulwarkError } from "../../core/errors.ts";
import type { ControlClient } from "../../control/client.ts";
import type { SinkConfig } from "../../security/siem/sinks.ts";
import { intOption, type Command, type Env, type Parsed } from "../command.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";

interface ListedSink {
  name: string;
  kind: "ocsf-https" | "syslog";
  url?: string;
  host?: string;
  port?: number;
  tls?: boolean;
  hasCa: boolean;
  pending?: number;
  delivered?: number;
  overflowed?: number;
  consecutiveFailures?: number;
  lastError?: string | null;
}

const ADD_OPTIONS = ["ocsf-https", "token-file", "syslog", "tls", "ca", "batch"];

export const siem: Command = {
  name: "siem",
  summary: "Adds, lists and removes SIEM sinks: OCSF JSON over HTTPS, CEF over syslog (TCP or TLS).",
  usage:
    "bulwark siem add NAME (--ocsf-https URL --token-file FILE | --syslog HOST:PORT [--tls]) [--ca PEM] [--batch N] | siem ls [--json] | siem rm NAME",
  options: {
    ...DATA_DIR_OPTION,
    "ocsf-https": { type: "string" },
    "token-file": { type: "string" },
    syslog: { type: "string" },
    tls: { type: "boolean" },
    ca: { type: "string" },
    batch: { type: "string" },
    json: { type: "boolean" },
  },
  help: {
    "ocsf-https": "add: an https:// webhook that takes OCSF events as a JSON array (POST, bearer token)",
    "token-file": "add: file holding the webhook's bearer token (- reads stdin)",
    syslog: "add: a syslog receiver HOST:PORT ([v6addr]:PORT) taking RFC 5424 messages with CEF, octet-counted",
    tls: "add: speak TLS to the syslog receiver (RFC 5425)",
    ca: "add: PEM certificate(s) to trust for this sink instead of the system roots",
    batch: "add: events per request or connection (1..1000, default 100)",
    json: "ls: print JSON",
    ...DATA_DIR_HELP,
  },
  positionals: { min: 1, max: 2 },
  async run(args, env) {
    const [sub, name] = args.positionals;
    if (sub !== "add" && ADD_OPTIONS.some((o) => args.values[o] !== undefined)) {
      throw new BulwarkError("BWK_USAGE", `siem ${sub}: --${ADD_OPTIONS.find((o) => args.values[o] !== undefined)} applies to siem add only`);
    }
    const client = clientFor(args, env);
    if (sub === "add") return add(args, env, client, name);
    if (sub === "ls") return list(args, env, client, name);
    if (sub === "rm") return remove(env, client, name);
    throw new BulwarkError("BWK_USAGE", `siem: unknown sub-command "${sub}" (add, ls or rm)`);
  },
};

async function add(args: Parsed, env: Env, client: ControlClient, name: string | undefined): Promise<void> {
  if (name === undefined) throw new BulwarkError("BWK_USAGE", "siem add: NAME is required");
  const v = args.values;
  const https = v["ocsf-https"];
  const syslog = v.syslog;
  if ((typeof https === "string") === (typeof syslog === "string")) {
    throw new BulwarkError("BWK_USAGE", "siem add: give exactly one of --ocsf-https URL or --syslog HOST:PORT");
  }
  const ca = typeof v.ca === "string" ? readText(resolve(env.cwd, v.ca), "--ca") : undefined;
  const batch = v.batch === undefined ? {} : { batchSize: intOption("batch", v.batch, 100, 1_000) };
  let config: SinkConfig;
  if (typeof https === "string") {
    if (v.tls !== undefined) throw new BulwarkError("BWK_USAGE", "siem add: --tls applies to --syslog (https is always TLS)");
    const tokenFile = v["token-file"];
    if (typeof tokenFile !== "string") throw new BulwarkError("BWK_USAGE", "siem add: --ocsf-https needs --token-file FILE (or - for stdin)");
    const token = (tokenFile === "-" ? readStdin() : readText(resolve(env.cwd, tokenFile), "--token-file")).trim();
    config = { name, kind: "ocsf-https", url: https, token, ...batch, ...(ca !== undefined && { ca }) };
  } else {
    if (v["token-file"] !== undefined) throw new BulwarkError("BWK_USAGE", "siem add: --token-file applies to --ocsf-https");
    const { host, port } = hostPort(syslog as string);
    config = { name, kind: "syslog", host, port, tls: v.tls === true, ...batch, ...(ca !== undefined && { ca }) };
  }
  await client.request("POST", "/v1/siem/sinks", config);
  print(env.stdout, `sink ${name} added: security events and audit records from now on are exported to it`);
}

async function list(args: Parsed, env: Env, client: ControlClient, extra: string | undefined): Promise<void> {
  if (extra !== undefined) throw new BulwarkError("BWK_USAGE", `siem ls: unexpected argument "${extra}"`);
  const sinks = await client.request<ListedSink[]>("GET", "/v1/siem/sinks");
  if (args.values.json) {
    print(env.stdout, JSON.stringify(sinks, null, 2));
    return;
  }
  if (sinks.length === 0) {
    print(env.stdout, "no SIEM sinks (add one with `bulwark siem add`)");
    return;
  }
  print(env.stdout, `${"NAME".padEnd(20)} ${"KIND".padEnd(11)} ${"DESTINATION".padEnd(40)} ${"PENDING".padEnd(8)} ${"DELIVERED".padEnd(10)} LAST ERROR`);
  for (const s of sinks) {
    const destination = s.kind === "ocsf-https" ? s.url! : `${s.tls ? "tls" : "tcp"}://${s.host}:${s.port}`;
    print(
      env.stdout,
      `${s.name.padEnd(20)} ${s.kind.padEnd(11)} ${destination.padEnd(40)} ${String(s.pending ?? 0).padEnd(8)} ${String(s.delivered ?? 0).padEnd(10)} ${s.lastError ?? "-"}`,
    );
  }
}

async function remove(env: Env, client: ControlClient, name: string | undefined): Promise<void> {
  if (name === undefined) throw new BulwarkError("BWK_USAGE", "siem rm: NAME is required");
  await client.request("POST", `/v1/siem/sinks/${encodeURIComponent(name)}/remove`);
  print(env.stdout, `sink ${name} removed; what was still waiting for it was dropped`);
}

/** HOST:PORT, with an IPv6 address in brackets. */
export function hostPort(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host === undefined || !(port >= 1 && port <= 65_535) || (m?.[1] !== undefined && isIP(m[1]) !== 6)) {
    throw new BulwarkError("BWK_USAGE", `--syslog must be HOST:PORT or [IPv6]:PORT, got "${text.slice(0, 100)}"`);
  }
  return { host, port };
}

function readText(path: string, option: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new BulwarkError("BWK_USAGE", `${option}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
}

function readStdin(): string {
  try {
    return readFileSync(0, "utf8");
  } catch {
    throw new BulwarkError("BWK_USAGE", "--token-file -: cannot read the token from stdin");
  }
}

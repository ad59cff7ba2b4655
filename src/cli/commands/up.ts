import { existsSync } from "node:fs";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";
import { pino } from "pino";
import { DEFAULT_LIMITS } from "../../broker/limits.ts";
import { buildApp } from "../../control/build.ts";
import { BulwarkError } from "../../core/errors.ts";
import { Platform } from "../../control/platform.ts";
import { REDACTED, pinoRedactPaths } from "../../security/redact.ts";
import { otlpUrl } from "../../security/telemetry/tracing.ts";
import { intOption, type Command, type Env, type Parsed } from "../command.ts";
import { VERSION } from "../version.ts";
import { printOutcomes } from "./deploy.ts";
import { GATE_HELP, GATE_OPTIONS, runGate } from "./gate.ts";
import { dataDirOf, print } from "./shared.ts";
import { EDGE_HELP, EDGE_OPTIONS, edgeSettings } from "./edge-options.ts";
import { CONTROL_HELP, CONTROL_OPTIONS, controlSettings } from "./control-options.ts";

export const up: Command = {
  name: "up",
  summary: "Starts the platform on 127.0.0.1, deploys the app in DIR (default: .) to the prod stage and serves the prod and dev stages until stopped.",
  usage:
    "bulwark up [DIR] [--port N] [--dev-port N] [--data DIR] [--control-port N] [--control-host ADDR] [--control-tls dev | --control-tls-cert F --control-tls-key F] [--insecure-no-sandbox] [--otlp URL] [--master-key-file F] [--tls dev | --tls-cert F --tls-key F] [--trust-proxy CIDR] [--fail-on L] [--advisories DIR]",
  options: {
    port: { type: "string", short: "p" },
    "dev-port": { type: "string" },
    data: { type: "string" },
    "data-dir": { type: "string" },
    ...CONTROL_OPTIONS,
    "insecure-no-sandbox": { type: "boolean" },
    spares: { type: "string" },
    "login-lockout": { type: "string" },
    "tenant-partitions": { type: "string" },
    otlp: { type: "string" },
    "master-key-file": { type: "string" },
    ...GATE_OPTIONS,
    ...EDGE_OPTIONS,
    help: { type: "boolean", short: "h" },
  },
  help: {
    port: "public HTTP port of the prod stage (default 8080; 0 picks a free one)",
    "dev-port": "public HTTP port of the dev stage, same host and TLS (default: --port + 1; a free one when --port is 0)",
    data: "data dir (default: DIR/.bulwark); --data-dir is the same",
    ...CONTROL_HELP,
    "insecure-no-sandbox": "run functions WITHOUT an OS sandbox (development only; warns at every start)",
    "login-lockout": "failed sign-ins per user or address before a 15-minute lockout (default 10)",
    spares: "pre-started empty sandboxes kept per sandbox profile, for fast cold starts (default 2)",
    "tenant-partitions": "tenants' partitions one KV namespace or bucket may hold under isolation: tenant (default 10000)",
    otlp: "export OpenTelemetry traces over OTLP/HTTP (JSON) to this URL, e.g. http://127.0.0.1:4318/v1/traces",
    "master-key-file": "the master key (32 bytes in base64, mode 0600); default: $BULWARK_MASTER_KEY, else DATA/keys/master.key",
    ...GATE_HELP,
    ...EDGE_HELP,
  },
  positionals: { min: 0, max: 1 },
  async run(args, env) {
    const appDir = resolve(env.cwd, args.positionals[0] ?? ".");
    const data = args.values.data ?? args.values["data-dir"];
    const dataDir = typeof data === "string" ? resolve(env.cwd, data) : dataDirOf(args, env, args.positionals[0]);
    const edge = edgeSettings(args, env, dataDir);
    const control = controlSettings(args, env, dataDir);
    const hasApp = existsSync(join(appDir, "bulwark.yaml")) || existsSync(join(appDir, "bulwark.yml"));
    // Build before starting anything, so a broken app fails fast with nothing left running.
    const app = hasApp ? await buildApp(appDir) : undefined;
    const gate = app ? await runGate(appDir, app.manifest, args, env) : undefined;
    // JSON lines on stderr. Credential headers never reach them, whatever a log call passes (CWE-532).
    const log = pino(
      { base: undefined, level: "info", redact: { paths: pinoRedactPaths, censor: REDACTED } },
      pino.destination({ dest: 2, sync: true }),
    );
    const platform = await Platform.start({
      dataDir,
      host: "127.0.0.1",
      ...ports(args),
      ...control,
      nodePath: process.execPath,
      insecureNoSandbox: args.values["insecure-no-sandbox"] === true,
      sparesPerProfile: intOption("spares", args.values.spares, 2, 16),
      tenantPartitionsMax: intOption("tenant-partitions", args.values["tenant-partitions"], DEFAULT_LIMITS.tenantPartitionsMax, 1_000_000),
      idleMs: 5 * 60_000,
      bodyLimitBytes: 1024 * 1024,
      log,
      ...(typeof args.values.otlp === "string" && { otlpUrl: otlpUrl(args.values.otlp) }),
      version: VERSION,
      masterKey: masterKeySource(args.values["master-key-file"], env),
      ...edge,
      people: { backoff: { lockoutThreshold: intOption("login-lockout", args.values["login-lockout"], 10, 1000) } },
    });
    try {
      if (app) printOutcomes(env.stdout, platform.deployAtStart({ manifest: app.raw, bundles: app.bundles, schemas: app.schemas, ...gate }, userInfo().username), app.manifest);
      else print(env.stdout, `no bulwark.yaml in ${appDir}: nothing deployed yet (use \`bulwark deploy\`)`);
    } catch (e) {
      await platform.stop();
      throw e;
    }
    const admin = await platform.people.createFirstAdmin();
    if (admin) {
      // The one time this password exists outside a hash: printed here, never logged or stored.
      print(env.stdout, `first start: created user "${admin.user}" with one-time password ${admin.password}`);
      print(env.stdout, "  (shown only now) sign in with `bulwark login --user admin`, then run `bulwark mfa enroll`");
    }
    const { url: controlUrl, fingerprint256 } = platform.controlEndpoint;
    print(env.stdout, `control API at ${controlUrl} (local operator token in ${join(dataDir, "admin.token")})`);
    // What a CLI on another machine pins (BULWARK_CONTROL_CA), like an ssh host key.
    if (fingerprint256) print(env.stdout, `  its certificate: sha256:${fingerprint256}`);
    print(env.stdout, `Bulwark is serving at ${platform.url} (prod stage)`);
    print(env.stdout, `dev stage: ${platform.stage("dev").url}`);
    await new Promise<void>((done) => {
      const stop = () => {
        process.off("SIGINT", stop);
        process.off("SIGTERM", stop);
        done();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    await platform.stop();
    print(env.stdout, "stopped");
  },
};

/**
 * The prod and dev stages' ports. Dev's default is the port after prod's, so a fixed --port gives a
 * predictable pair (8080, 8081); with --port 0 (tests, several platforms on one host) both are free ones.
 */
function ports(args: Parsed): { port: number; devPort: number } {
  const port = intOption("port", args.values.port, 8080, 65_535);
  const devPort = intOption("dev-port", args.values["dev-port"], port === 0 || port === 65_535 ? 0 : port + 1, 65_535);
  if (port !== 0 && devPort === port) throw new BulwarkError("BWK_USAGE", "--dev-port must differ from --port: each stage has its own listener");
  return { port, devPort };
}

/** --master-key-file, else $BULWARK_MASTER_KEY; both at once is refused by the platform. */
function masterKeySource(file: string | boolean | undefined, env: Env): { file?: string; env?: string } {
  return {
    ...(typeof file === "string" ? { file: resolve(env.cwd, file) } : {}),
    ...(env.masterKey === undefined ? {} : { env: env.masterKey }),
  };
}

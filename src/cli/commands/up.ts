import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { pino } from "pino";
import { buildApp } from "../../control/build.ts";
import { Platform } from "../../control/platform.ts";
import { intOption, type Command } from "../command.ts";
import { printOutcomes } from "./deploy.ts";
import { dataDirOf, print } from "./shared.ts";

export const up: Command = {
  name: "up",
  summary: "Starts the platform on 127.0.0.1, deploys the app in DIR (default: .) and serves its routes until stopped.",
  usage: "bulwark up [DIR] [--port N] [--data DIR] [--control-port N] [--insecure-no-sandbox]",
  options: {
    port: { type: "string", short: "p" },
    data: { type: "string" },
    "data-dir": { type: "string" },
    "control-port": { type: "string" },
    "insecure-no-sandbox": { type: "boolean" },
    spares: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
  help: {
    port: "public HTTP port (default 8080; 0 picks a free one)",
    data: "data dir (default: DIR/.bulwark); --data-dir is the same",
    "control-port": "loopback port of the control API (default: a free one, written to the data dir)",
    "insecure-no-sandbox": "run functions WITHOUT an OS sandbox (development only; warns at every start)",
    spares: "pre-started empty sandboxes kept per sandbox profile, for fast cold starts (default 2)",
  },
  positionals: { min: 0, max: 1 },
  async run(args, env) {
    const appDir = resolve(env.cwd, args.positionals[0] ?? ".");
    const data = args.values.data ?? args.values["data-dir"];
    const dataDir = typeof data === "string" ? resolve(env.cwd, data) : dataDirOf(args, env, args.positionals[0]);
    const hasApp = existsSync(join(appDir, "bulwark.yaml")) || existsSync(join(appDir, "bulwark.yml"));
    // Build before starting anything, so a broken app fails fast with nothing left running.
    const app = hasApp ? await buildApp(appDir) : undefined;
    const log = pino({ base: undefined, level: "info" }, pino.destination({ dest: 2, sync: true }));
    const platform = await Platform.start({
      dataDir,
      host: "127.0.0.1",
      port: intOption("port", args.values.port, 8080, 65_535),
      controlPort: intOption("control-port", args.values["control-port"], 0, 65_535),
      nodePath: process.execPath,
      insecureNoSandbox: args.values["insecure-no-sandbox"] === true,
      sparesPerProfile: intOption("spares", args.values.spares, 2, 16),
      idleMs: 5 * 60_000,
      bodyLimitBytes: 1024 * 1024,
      log,
    });
    try {
      if (app) printOutcomes(env.stdout, app.manifest.app, platform.deploy({ manifest: app.raw, bundles: app.bundles }).functions);
      else print(env.stdout, `no bulwark.yaml in ${appDir}: nothing deployed yet (use \`bulwark deploy\`)`);
    } catch (e) {
      await platform.stop();
      throw e;
    }
    print(env.stdout, `Bulwark is serving at ${platform.url}`);
    print(env.stdout, `control API at ${platform.controlUrl} (admin token in ${join(dataDir, "admin.token")})`);
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

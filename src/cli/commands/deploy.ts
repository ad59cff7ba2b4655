import { resolve } from "node:path";
import type { Command } from "../command.ts";
import { buildApp } from "../../control/build.ts";
import type { DeployOutcome } from "../../store/state.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";

export const deploy: Command = {
  name: "deploy",
  summary: "Bundles the app in DIR (default: .) and deploys it to the running platform. A failed deploy changes nothing.",
  usage: "bulwark deploy [DIR] [--data-dir DIR]",
  options: { ...DATA_DIR_OPTION },
  help: { ...DATA_DIR_HELP },
  positionals: { min: 0, max: 1 },
  async run(args, env) {
    const dir = resolve(env.cwd, args.positionals[0] ?? ".");
    const client = clientFor(args, env, args.positionals[0]);
    const app = await buildApp(dir);
    const result = await client.request<{ app: string; functions: DeployOutcome[] }>("POST", "/v1/deploy", {
      manifest: app.raw,
      bundles: app.bundles,
    });
    printOutcomes(env.stdout, result.app, result.functions);
  },
};

export function printOutcomes(out: NodeJS.WritableStream, app: string, outcomes: DeployOutcome[]): void {
  print(out, `deployed app ${app}:`);
  for (const o of outcomes) print(out, `  ${o.function.padEnd(24)} v${o.version}  ${o.status}`);
}

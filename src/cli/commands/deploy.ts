import { resolve } from "node:path";
import type { Command } from "../command.ts";
import { buildApp } from "../../control/build.ts";
import type { Manifest } from "../../core/manifest/types.ts";
import type { DeployOutcome } from "../../store/state.ts";
import { GATE_HELP, GATE_OPTIONS, runGate } from "./gate.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";
import { onStage, STAGE_HELP, STAGE_OPTION, stageOf } from "./stage-option.ts";

export const deploy: Command = {
  name: "deploy",
  summary: "Bundles and scans the app in DIR (default: .) and deploys it to a stage of the running platform (default prod). A failed or blocked deploy changes nothing.",
  usage: "bulwark deploy [DIR] [--stage dev|prod] [--data-dir DIR] [--fail-on high|medium|low] [--advisories DIR]",
  options: { ...DATA_DIR_OPTION, ...STAGE_OPTION, ...GATE_OPTIONS },
  help: { ...STAGE_HELP, ...DATA_DIR_HELP, ...GATE_HELP },
  positionals: { min: 0, max: 1 },
  async run(args, env) {
    const stage = stageOf(args);
    const dir = resolve(env.cwd, args.positionals[0] ?? ".");
    const client = clientFor(args, env, args.positionals[0]);
    const app = await buildApp(dir);
    const gate = await runGate(dir, app.manifest, args, env);
    const result = await client.request<{ app: string; stage: string; functions: DeployOutcome[] }>("POST", onStage("/v1/deploy", stage), {
      manifest: app.raw,
      bundles: app.bundles,
      schemas: app.schemas,
      ...gate,
    });
    printOutcomes(env.stdout, result, app.manifest);
  },
};

export function printOutcomes(out: NodeJS.WritableStream, deployed: { app: string; stage: string; functions: DeployOutcome[] }, manifest: Manifest): void {
  print(out, `deployed app ${deployed.app} to the ${deployed.stage} stage:`);
  for (const o of deployed.functions) print(out, `  ${o.function.padEnd(24)} v${o.version}  ${o.status}`);
  // Public on purpose must still be seen at every deploy: one line per route anyone can call.
  for (const fn of Object.values(manifest.functions)) {
    for (const t of fn.triggers) {
      if (t.auth === "none") print(out, `  warning: ${t.method} ${t.path} (${fn.name}) is public: auth: none, anyone can call it`);
    }
  }
}

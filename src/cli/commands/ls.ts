import type { Command } from "../command.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";
import { onStage, STAGE_HELP, STAGE_OPTION, stageOf } from "./stage-option.ts";

interface Listed {
  name: string;
  stage: string;
  version: number;
  routes: Array<{ method: string; path: string; auth: string | null }>;
  sandboxes: { live: number; idle: number };
  quarantined: { reason: string } | null;
}

export const ls: Command = {
  name: "ls",
  summary: "Lists the functions deployed to a stage (default prod): serving version, routes and live sandboxes.",
  usage: "bulwark ls [--stage dev|prod] [--json] [--data-dir DIR]",
  options: { ...DATA_DIR_OPTION, ...STAGE_OPTION, json: { type: "boolean" } },
  help: { json: "print JSON", ...STAGE_HELP, ...DATA_DIR_HELP },
  positionals: { min: 0, max: 0 },
  async run(args, env) {
    const stage = stageOf(args);
    const functions = await clientFor(args, env).request<Listed[]>("GET", onStage("/v1/functions", stage));
    if (args.values.json) {
      print(env.stdout, JSON.stringify(functions, null, 2));
      return;
    }
    if (functions.length === 0) {
      print(env.stdout, `no functions deployed to the ${stage} stage`);
      return;
    }
    print(env.stdout, `${"FUNCTION".padEnd(24)} ${"STAGE".padEnd(6)} ${"VERSION".padEnd(8)} ${"STATUS".padEnd(12)} ${"SANDBOXES".padEnd(10)} ROUTES`);
    for (const f of functions) {
      const routes = f.routes.map((r) => `${r.method} ${r.path}${r.auth === "none" ? " (public)" : ""}`).join(", ");
      const status = f.quarantined ? "QUARANTINED" : "serving";
      print(env.stdout, `${f.name.padEnd(24)} ${f.stage.padEnd(6)} ${`v${f.version}`.padEnd(8)} ${status.padEnd(12)} ${`${f.sandboxes.live}`.padEnd(10)} ${routes || "-"}`);
    }
  },
};

import type { Command } from "../command.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";

interface Listed {
  name: string;
  version: number;
  routes: Array<{ method: string; path: string; auth: string | null }>;
  sandboxes: { live: number; idle: number };
}

export const ls: Command = {
  name: "ls",
  summary: "Lists the deployed functions: serving version, routes and live sandboxes.",
  usage: "bulwark ls [--json] [--data-dir DIR]",
  options: { ...DATA_DIR_OPTION, json: { type: "boolean" } },
  help: { json: "print JSON", ...DATA_DIR_HELP },
  positionals: { min: 0, max: 0 },
  async run(args, env) {
    const functions = await clientFor(args, env).request<Listed[]>("GET", "/v1/functions");
    if (args.values.json) {
      print(env.stdout, JSON.stringify(functions, null, 2));
      return;
    }
    if (functions.length === 0) {
      print(env.stdout, "no functions deployed");
      return;
    }
    print(env.stdout, `${"FUNCTION".padEnd(24)} ${"VERSION".padEnd(8)} ${"SANDBOXES".padEnd(10)} ROUTES`);
    for (const f of functions) {
      const routes = f.routes.map((r) => `${r.method} ${r.path}${r.auth === "none" ? " (public)" : ""}`).join(", ");
      print(env.stdout, `${f.name.padEnd(24)} ${`v${f.version}`.padEnd(8)} ${`${f.sandboxes.live}`.padEnd(10)} ${routes || "-"}`);
    }
  },
};

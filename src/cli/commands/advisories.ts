// `bulwark advisories import FILE.zip|DIR`: keeps a local copy of OSV advisories (as OSV publishes
// them per ecosystem, e.g. the npm all.zip) that `scan`, `deploy` and `up` use by default.
import { join, resolve } from "node:path";
import { BulwarkError } from "../../core/errors.ts";
import { importAdvisories } from "../../scan/deps/advisory-import.ts";
import type { Command } from "../command.ts";
import { print } from "./shared.ts";

export const advisories: Command = {
  name: "advisories",
  summary: "Imports OSV advisories (a zip as OSV publishes them, or a directory of OSV JSON) for the dependency audit.",
  usage: "bulwark advisories import FILE.zip|DIR",
  options: { help: { type: "boolean", short: "h" } },
  help: {},
  positionals: { min: 2, max: 2 },
  async run(args, env) {
    const [sub, source] = args.positionals as [string, string];
    if (sub !== "import") throw new BulwarkError("BWK_USAGE", `advisories: unknown sub-command "${sub}" (import)`);
    if (env.dataHome === undefined) throw new BulwarkError("BWK_USAGE", "advisories: no user data directory (set XDG_DATA_HOME or HOME)");
    const result = await importAdvisories(resolve(env.cwd, source), join(env.dataHome, "advisories"));
    print(env.stdout, `imported ${result.imported} npm advisories into ${result.dir} (${result.skipped} other entries skipped)`);
  },
};

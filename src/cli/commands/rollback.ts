import { BulwarkError } from "../../core/errors.ts";
import type { Command } from "../command.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";
import { onStage, STAGE_HELP, STAGE_OPTION, stageOf } from "./stage-option.ts";

export const rollback: Command = {
  name: "rollback",
  summary: "Makes an earlier version of FN the serving one in a stage (default prod), without rebuilding anything.",
  usage: "bulwark rollback FN --to VERSION [--stage dev|prod] [--data-dir DIR]",
  options: { ...DATA_DIR_OPTION, ...STAGE_OPTION, to: { type: "string" } },
  help: { to: "the version to serve (a number, as `bulwark ls` shows it; v3 or 3)", ...STAGE_HELP, ...DATA_DIR_HELP },
  positionals: { min: 1, max: 1 },
  async run(args, env) {
    const to = args.values.to;
    if (typeof to !== "string") throw new BulwarkError("BWK_USAGE", "rollback: --to VERSION is required (a version number such as 3 or v3)");
    const m = /^v?(\d{1,9})$/.exec(to);
    if (!m) throw new BulwarkError("BWK_USAGE", `rollback: --to must be a version number such as 3 or v3, got "${to.slice(0, 32)}"`);
    const stage = stageOf(args);
    const fn = args.positionals[0]!;
    const result = await clientFor(args, env).request<{ function: string; stage: string; version: number }>(
      "POST",
      onStage(`/v1/functions/${encodeURIComponent(fn)}/rollback`, stage),
      { to: Number(m[1]) },
    );
    print(env.stdout, `${result.function} now serves v${result.version} in the ${result.stage} stage`);
  },
};

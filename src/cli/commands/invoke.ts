import { BulwarkError } from "../../core/errors.ts";
import type { Command } from "../command.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";
import { onStage, STAGE_HELP, STAGE_OPTION, stageOf } from "./stage-option.ts";

export const invoke: Command = {
  name: "invoke",
  summary: "Invokes function FN of a stage (default prod) directly with a JSON event and prints what it returned.",
  usage: "bulwark invoke FN [--data JSON] [--stage dev|prod] [--data-dir DIR]",
  options: { ...DATA_DIR_OPTION, ...STAGE_OPTION, data: { type: "string" } },
  help: { data: "the event, as JSON (default: {})", ...STAGE_HELP, ...DATA_DIR_HELP },
  positionals: { min: 1, max: 1 },
  async run(args, env) {
    const stage = stageOf(args);
    const fn = args.positionals[0]!;
    let event: unknown = {};
    if (typeof args.values.data === "string") {
      try {
        event = JSON.parse(args.values.data);
      } catch (e) {
        throw new BulwarkError("BWK_USAGE", `--data is not valid JSON: ${(e as Error).message}`);
      }
    }
    const client = clientFor(args, env);
    const out = await client.request<{ result: unknown }>("POST", onStage(`/v1/functions/${encodeURIComponent(fn)}/invoke`, stage), { event });
    print(env.stdout, JSON.stringify(out.result ?? null, null, 2));
  },
};

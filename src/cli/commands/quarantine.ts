// `bulwark quarantine FN [--reason TEXT]` and `bulwark release FN`: take a function out of service
// in a stage (default prod) and put it back. While quarantined its routes answer 503 and nothing
// of it runs; releasing needs a fresh MFA check, which the CLI asks for.
import type { QuarantineEntry } from "../../store/quarantine.ts";
import type { Command } from "../command.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";
import { onStage, STAGE_HELP, STAGE_OPTION, stageOf } from "./stage-option.ts";

export const quarantine: Command = {
  name: "quarantine",
  summary: "Takes FN out of service in a stage (default prod): its routes answer 503 and none of its code runs until `bulwark release`.",
  usage: "bulwark quarantine FN [--reason TEXT] [--stage dev|prod] [--data-dir DIR]",
  options: { ...DATA_DIR_OPTION, ...STAGE_OPTION, reason: { type: "string" } },
  help: { reason: "why, for the operators and the audit trail (never shown to callers)", ...STAGE_HELP, ...DATA_DIR_HELP },
  positionals: { min: 1, max: 1 },
  async run(args, env) {
    const stage = stageOf(args);
    const reason = args.values.reason;
    const entry = await clientFor(args, env).request<QuarantineEntry>(
      "POST",
      onStage(`/v1/functions/${encodeURIComponent(args.positionals[0]!)}/quarantine`, stage),
      typeof reason === "string" ? { reason } : {},
    );
    print(env.stdout, `${entry.function} is quarantined in the ${entry.stage} stage (${entry.reason}); \`bulwark release ${entry.function}\` puts it back`);
  },
};

export const release: Command = {
  name: "release",
  summary: "Puts a quarantined FN back in service in a stage (default prod); needs a fresh MFA check.",
  usage: "bulwark release FN [--stage dev|prod] [--data-dir DIR]",
  options: { ...DATA_DIR_OPTION, ...STAGE_OPTION },
  help: { ...STAGE_HELP, ...DATA_DIR_HELP },
  positionals: { min: 1, max: 1 },
  async run(args, env) {
    const stage = stageOf(args);
    const entry = await clientFor(args, env).request<QuarantineEntry>("POST", onStage(`/v1/functions/${encodeURIComponent(args.positionals[0]!)}/release`, stage));
    print(env.stdout, `${entry.function} is back in service in the ${entry.stage} stage (quarantined by ${entry.by} at ${entry.at})`);
  },
};

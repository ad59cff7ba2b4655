// `bulwark sbom FN [--version N]`: the CycloneDX 1.5 JSON SBOM stored and signed with a deployed
// version (the serving one by default). The platform checks it against the signature first.
import { BulwarkError } from "../../core/errors.ts";
import type { Command } from "../command.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION } from "./shared.ts";
import { onStage, STAGE_HELP, STAGE_OPTION, stageOf } from "./stage-option.ts";

export const sbom: Command = {
  name: "sbom",
  summary: "Prints the CycloneDX 1.5 SBOM of a deployed version of FN (default: the serving one) in a stage (default prod).",
  usage: "bulwark sbom FN [--version N] [--stage dev|prod] [--data-dir DIR]",
  options: { ...DATA_DIR_OPTION, ...STAGE_OPTION, version: { type: "string" } },
  help: { version: "the version (a number as `bulwark ls` shows it; v3 or 3)", ...STAGE_HELP, ...DATA_DIR_HELP },
  positionals: { min: 1, max: 1 },
  async run(args, env) {
    const version = args.values.version;
    const m = typeof version === "string" ? /^v?([1-9]\d{0,8})$/.exec(version) : null;
    if (version !== undefined && !m) throw new BulwarkError("BWK_USAGE", "sbom: --version must be a version number such as 3 or v3");
    const query = m ? `?version=${m[1]}` : "";
    const path = onStage(`/v1/functions/${encodeURIComponent(args.positionals[0]!)}/sbom${query}`, stageOf(args));
    const doc = await clientFor(args, env).request<unknown>("GET", path);
    env.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
  },
};

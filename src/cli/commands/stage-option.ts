// `--stage dev|prod` for the commands that act on one stage's functions or data (default prod).
// Each stage is a world of its own (control/stage.ts): its versions, routes, secrets and keys.
import { isStage, STAGES, type Stage } from "../../control/auth/principal.ts";
import { BulwarkError } from "../../core/errors.ts";
import type { Options, Parsed } from "../command.ts";

export const STAGE_OPTION: Options = { stage: { type: "string" } };
export const STAGE_HELP: Record<string, string> = { stage: `the stage to act on: ${STAGES.join(" or ")} (default prod)` };

export function stageOf(args: Parsed): Stage {
  const stage = args.values.stage ?? "prod";
  if (!isStage(stage)) throw new BulwarkError("BWK_USAGE", `--stage must be ${STAGES.join(" or ")}, got "${String(stage).slice(0, 32)}"`);
  return stage;
}

/** The control API path on that stage (`?stage=`, as the API reads it). */
export function onStage(path: string, stage: Stage): string {
  return `${path}${path.includes("?") ? "&" : "?"}stage=${stage}`;
}

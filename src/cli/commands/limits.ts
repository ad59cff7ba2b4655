// `bulwark limits set FN [--rate R] [--concurrency N] | ls | clear FN`: an operator's emergency
// brake on one function in a stage (default prod). An override only tightens what the manifest
// says: a rate checked on every route of FN at the edge (429 beyond it), fewer sandboxes at once.
// It lasts across restarts and deploys until cleared.
import { BulwarkError } from "../../core/errors.ts";
import type { LimitOverrideEntry } from "../../store/limit-overrides.ts";
import type { Command, Env, Parsed } from "../command.ts";
import { printable } from "./age.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";
import { onStage, STAGE_HELP, STAGE_OPTION, stageOf } from "./stage-option.ts";

export const limits: Command = {
  name: "limits",
  summary: "Tightens a function's rate or concurrency at run time, below what its manifest says (operators); lists and clears overrides.",
  usage: "bulwark limits set FN [--rate 10/s] [--concurrency N] | limits ls | limits clear FN  [--stage dev|prod] [--data-dir DIR]",
  options: { ...DATA_DIR_OPTION, ...STAGE_OPTION, rate: { type: "string" }, concurrency: { type: "string" } },
  help: {
    rate: "set: requests per second, minute or hour for all of FN's routes together (10/s, 600/m), at most what is deployed",
    concurrency: "set: most sandboxes of FN at once, at most its manifest's concurrency",
    ...STAGE_HELP,
    ...DATA_DIR_HELP,
  },
  positionals: { min: 1, max: 2 },
  async run(args, env) {
    const [sub, ...rest] = args.positionals;
    if (sub === "set") return set(args, env, only(rest, "set"));
    if (sub === "ls" && rest.length === 0) return list(args, env);
    if (sub === "clear") return clear(args, env, only(rest, "clear"));
    throw new BulwarkError("BWK_USAGE", "limits: expected set FN, ls or clear FN");
  },
};

async function set(args: Parsed, env: Env, fn: string): Promise<void> {
  const { rate, concurrency } = args.values;
  if (typeof concurrency === "string" && !/^\d{1,9}$/.test(concurrency)) throw new BulwarkError("BWK_USAGE", "--concurrency must be a whole number");
  const body = { ...(typeof rate === "string" && { rate }), ...(typeof concurrency === "string" && { concurrency: Number(concurrency) }) };
  if (Object.keys(body).length === 0) throw new BulwarkError("BWK_USAGE", "limits set: give --rate, --concurrency or both");
  const entry = await clientFor(args, env).request<LimitOverrideEntry>("POST", onStage(`/v1/functions/${encodeURIComponent(fn)}/limits`, stageOf(args)), body);
  print(env.stdout, `${entry.function} in the ${entry.stage} stage is limited to ${describe(entry)}; \`bulwark limits clear ${entry.function}\` lifts it`);
}

async function list(args: Parsed, env: Env): Promise<void> {
  const stage = stageOf(args);
  const entries = await clientFor(args, env).request<LimitOverrideEntry[]>("GET", onStage("/v1/limits", stage));
  if (entries.length === 0) return print(env.stdout, `no limit overrides in the ${stage} stage`);
  for (const e of entries) print(env.stdout, printable(`${e.function.padEnd(24)} ${describe(e).padEnd(36)} by ${e.by} at ${e.at}`));
}

async function clear(args: Parsed, env: Env, fn: string): Promise<void> {
  const entry = await clientFor(args, env).request<LimitOverrideEntry>("POST", onStage(`/v1/functions/${encodeURIComponent(fn)}/limits/clear`, stageOf(args)));
  print(env.stdout, `${entry.function} in the ${entry.stage} stage is back to its manifest's limits (override was ${describe(entry)})`);
}

function only(rest: string[], sub: string): string {
  if (rest.length !== 1) throw new BulwarkError("BWK_USAGE", `limits ${sub}: name one function`);
  return rest[0]!;
}

function describe(e: LimitOverrideEntry): string {
  return [e.rate && `rate ${e.rate}`, e.concurrency !== undefined && `concurrency ${e.concurrency}`].filter(Boolean).join(", ");
}

import { setTimeout as sleep } from "node:timers/promises";
import type { LogEntry } from "../../store/state.ts";
import { intOption, type Command } from "../command.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";
import { onStage, STAGE_HELP, STAGE_OPTION, stageOf } from "./stage-option.ts";

const FOLLOW_POLL_MS = 500;

export const logs: Command = {
  name: "logs",
  summary: "Prints the log lines of function FN in a stage (default prod): its console output, by request id.",
  usage: "bulwark logs FN [--stage dev|prod] [--follow] [--limit N] [--json] [--data-dir DIR]",
  options: { ...DATA_DIR_OPTION, ...STAGE_OPTION, follow: { type: "boolean", short: "f" }, limit: { type: "string" }, json: { type: "boolean" } },
  help: {
    follow: "keep printing new lines until interrupted",
    limit: "print at most the last N lines first (default 200)",
    json: "print one JSON object per line (time, level, function, version, requestId, traceId, message)",
    ...STAGE_HELP,
    ...DATA_DIR_HELP,
  },
  positionals: { min: 1, max: 1 },
  async run(args, env) {
    const stage = stageOf(args);
    const fn = encodeURIComponent(args.positionals[0]!);
    const limit = intOption("limit", args.values.limit, 200, 5_000);
    const client = clientFor(args, env);
    const read = (after: number, max: number) =>
      client.request<{ entries: LogEntry[]; next: number }>("GET", onStage(`/v1/functions/${fn}/logs?after=${after}&limit=${max}`, stage));
    // The first page is the tail: read everything, keep the last `limit` lines.
    let after = 0;
    let tail: LogEntry[] = [];
    for (;;) {
      const page = await read(after, 5_000);
      tail = [...tail, ...page.entries].slice(-limit);
      after = page.next;
      if (page.entries.length < 5_000) break;
    }
    const format = args.values.json ? asJson : asText;
    for (const e of tail) print(env.stdout, format(e));
    while (args.values.follow) {
      await sleep(FOLLOW_POLL_MS);
      const page = await read(after, 5_000);
      for (const e of page.entries) print(env.stdout, format(e));
      after = page.next;
    }
  },
};

function asJson(e: LogEntry): string {
  const { seq: _seq, ...line } = e;
  return JSON.stringify(line);
}

function asText(e: LogEntry): string {
  return `${e.time} ${e.level.toUpperCase().padEnd(5)} v${e.version} ${e.requestId ?? "-"} ${e.message}`;
}

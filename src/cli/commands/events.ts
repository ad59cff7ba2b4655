// `bulwark events`: the security events the platform recorded (refusals, WAF matches, denials),
// newest last. Their fields carry what clients sent, so every one is printed escaped.
import type { SecurityEvent } from "../../security/events.ts";
import { intOption, type Command } from "../command.ts";
import { printable, timeOrAge } from "./age.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";

const PAGE = 5_000;

export const events: Command = {
  name: "events",
  summary: "Lists security events: refusals, WAF matches, denied addresses, rate limits, auth failures.",
  usage: "bulwark events [--since 1h|ISO-TIME] [--type waf.*] [--limit N] [--json] [--data-dir DIR]",
  options: { ...DATA_DIR_OPTION, since: { type: "string" }, type: { type: "string" }, limit: { type: "string" }, json: { type: "boolean" } },
  help: {
    since: "only events since this age (30m, 24h, 7d) or ISO 8601 time (default 24h)",
    type: 'only this type (waf.match) or family ("waf.*", "auth.*")',
    limit: "print at most the last N events (default 100)",
    json: "print one JSON object per line",
    ...DATA_DIR_HELP,
  },
  positionals: { min: 0, max: 0 },
  async run(args, env) {
    const since = sinceOf(args.values.since);
    const limit = intOption("limit", args.values.limit, 100, 100_000);
    const client = clientFor(args, env);
    const query = new URLSearchParams({ since, limit: String(PAGE) });
    if (typeof args.values.type === "string") query.set("type", args.values.type);
    // Pages forward from `since`, keeping the last `limit`: the newest are what one looks for.
    let tail: Array<SecurityEvent & { seq: number }> = [];
    for (;;) {
      const page = await client.request<Array<SecurityEvent & { seq: number }>>("GET", `/v1/events?${query}`);
      tail = [...tail, ...page].slice(-limit);
      if (page.length < PAGE) break;
      query.set("after", String(page.at(-1)!.seq));
    }
    for (const e of tail) print(env.stdout, args.values.json ? JSON.stringify(e) : line(e));
    if (!args.values.json && tail.length === 0) print(env.stdout, `no security events since ${since}`);
  },
};

function sinceOf(value: string | boolean | undefined): string {
  return timeOrAge("since", typeof value === "string" ? value : "24h");
}

function line(e: SecurityEvent): string {
  const fields = [
    e.time,
    e.type,
    e.severity,
    e.route ?? "-",
    e.clientIp ?? "-",
    e.principal ?? "-",
    e.ruleId ? `rule=${e.ruleId}` : "",
    e.reason,
    e.requestId ? `request=${e.requestId}` : "",
  ];
  return printable(fields.filter((f) => f !== "").join("  "));
}

// `bulwark intel import|ls|rm`: threat-intelligence feeds behind the edge's deny list. A feed is a
// plain list (one address or CIDR per line, # or ; comments) or a STIX 2.1 bundle; it applies at
// once, without a restart, until it expires or is removed.
import { readFileSync, statSync } from "node:fs";
import { basename, resolve } from "node:path";
import { BulwarkError } from "../../core/errors.ts";
import type { ControlClient } from "../../control/client.ts";
import type { IntelIndicator } from "../../store/intel.ts";
import type { Command, Env, Parsed } from "../command.ts";
import { ageMs, printable } from "./age.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";

const MAX_FEED_BYTES = 32 * 1024 * 1024;

export const intel: Command = {
  name: "intel",
  summary: "Imports threat-intel feeds (plain address lists, STIX 2.1 bundles) into the edge's deny list; lists and removes them.",
  usage: "bulwark intel import FILE [--feed NAME] [--format auto|plain|stix] [--expires 7d] | intel ls [--json] | intel rm CIDR... | intel rm --feed NAME",
  options: { ...DATA_DIR_OPTION, feed: { type: "string" }, format: { type: "string" }, expires: { type: "string" }, json: { type: "boolean" } },
  help: {
    feed: "import: the feed's name (default: the file's name); rm: remove this whole feed",
    format: "import: auto (default: a JSON file is STIX), plain or stix",
    expires: "import: stop applying the feed's entries after this long (30m, 12h, 7d); STIX valid_until applies too",
    json: "ls: print JSON",
    ...DATA_DIR_HELP,
  },
  positionals: { min: 1, max: 1_000 },
  async run(args, env) {
    const [sub, ...rest] = args.positionals;
    const client = clientFor(args, env);
    if (sub === "import") return importFeed(args, env, client, rest);
    if (sub === "ls") return list(args, env, client, rest);
    if (sub === "rm") return remove(args, env, client, rest);
    throw new BulwarkError("BWK_USAGE", `intel: unknown sub-command "${sub}" (import, ls or rm)`);
  },
};

async function importFeed(args: Parsed, env: Env, client: ControlClient, rest: string[]): Promise<number> {
  if (rest.length !== 1) throw new BulwarkError("BWK_USAGE", "intel import: give exactly one FILE");
  const file = resolve(env.cwd, rest[0]!);
  let content: string;
  try {
    if (statSync(file).size > MAX_FEED_BYTES) throw new BulwarkError("BWK_USAGE", `intel import: ${file} is larger than 32 MiB`);
    content = readFileSync(file, "utf8");
  } catch (e) {
    if (e instanceof BulwarkError) throw e;
    throw new BulwarkError("BWK_USAGE", `intel import: cannot read ${file}`);
  }
  const feed = typeof args.values.feed === "string" ? args.values.feed : basename(file).replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 64);
  const body = {
    content,
    feed,
    format: args.values.format ?? "auto",
    ...(typeof args.values.expires === "string" ? { expiresInMs: ageMs("expires", args.values.expires) } : {}),
  };
  const result = await client.request<{ feed: string; format: string; stored: number; errors: string[] }>("POST", "/v1/intel/import", body);
  print(env.stdout, `imported ${result.stored} indicators from ${result.format} feed ${result.feed}`);
  for (const error of result.errors) print(env.stderr, `  skipped: ${printable(error)}`);
  return result.stored === 0 && result.errors.length > 0 ? 1 : 0;
}

async function list(args: Parsed, env: Env, client: ControlClient, rest: string[]): Promise<void> {
  if (rest.length > 0) throw new BulwarkError("BWK_USAGE", "intel ls takes no arguments");
  const items = await client.request<IntelIndicator[]>("GET", "/v1/intel");
  if (args.values.json) return print(env.stdout, JSON.stringify(items, null, 2));
  if (items.length === 0) return print(env.stdout, "no threat-intel indicators in force");
  for (const i of items) {
    const expires = i.expiresAt === null ? "never" : new Date(i.expiresAt).toISOString();
    print(env.stdout, printable(`${i.cidr.padEnd(24)} ${i.feed.padEnd(20)} expires ${expires}  ${i.source}`));
  }
}

async function remove(args: Parsed, env: Env, client: ControlClient, rest: string[]): Promise<void> {
  const feed = args.values.feed;
  if (rest.length === 0 && typeof feed !== "string") throw new BulwarkError("BWK_USAGE", "intel rm: name the addresses (CIDR...) or --feed NAME");
  const body = { ...(rest.length > 0 ? { cidrs: rest } : {}), ...(typeof feed === "string" ? { feed } : {}) };
  const result = await client.request<{ removed: number }>("POST", "/v1/intel/remove", body);
  print(env.stdout, `removed ${result.removed} indicators`);
}

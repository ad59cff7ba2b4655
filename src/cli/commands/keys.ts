// `bulwark keys create|ls|revoke`: API keys for `auth: apiKey` routes. The key is printed once, at
// creation; the platform keeps only its hash, so it cannot be shown again.
import { BulwarkError } from "../../core/errors.ts";
import type { ControlClient } from "../../control/client.ts";
import type { Command, Env, Parsed } from "../command.ts";
import { rotateMaster } from "./rotate-master.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";
import { onStage, STAGE_OPTION, stageOf } from "./stage-option.ts";

interface KeyRecord {
  name: string;
  prefix: string;
  scope: { routes: string[]; functions: string[] };
  roles: string[];
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

const CREATE_OPTIONS = ["name", "routes", "functions", "roles", "expires"];

export const keys: Command = {
  name: "keys",
  summary: "Creates, lists and revokes a stage's API keys for auth: apiKey routes; rotate-master rewraps every stage's data keys under a new master key.",
  usage: 'bulwark keys create --name N [--routes "GET /x,POST /y" | --functions a,b] [--roles r1,r2] [--expires 30d] | keys ls [--json] | keys revoke NAME  [--stage dev|prod] | keys rotate-master',
  options: {
    ...DATA_DIR_OPTION,
    ...STAGE_OPTION,
    name: { type: "string" },
    routes: { type: "string" },
    functions: { type: "string" },
    roles: { type: "string" },
    expires: { type: "string" },
    json: { type: "boolean" },
  },
  help: {
    name: "create: the key's name (letters, digits, . _ -), unique",
    routes: 'create: only these routes, as `bulwark ls` shows them ("GET /orders/{id},POST /orders")',
    functions: "create: only the apiKey routes of these functions (default: every apiKey route)",
    roles: "create: roles the key's calls carry, for routes with roles:",
    expires: "create: lifetime, like 90m, 12h or 30d (default: no expiry)",
    json: "ls: print JSON",
    stage: "create, ls, revoke: the stage whose edge takes the key: dev or prod (default prod); a key opens nothing in the other",
    ...DATA_DIR_HELP,
  },
  positionals: { min: 1, max: 2 },
  async run(args, env) {
    const [sub, target] = args.positionals;
    const client = clientFor(args, env);
    if (sub === "create") return create(args, env, client, target);
    if (sub === "ls") return list(args, env, client, target);
    if (sub === "revoke") return revoke(args, env, client, target);
    if (sub === "rotate-master") {
      if (args.values.stage !== undefined) throw new BulwarkError("BWK_USAGE", "keys rotate-master: --stage does not apply: the master key wraps every stage's data");
      return rotateMaster(env, client, target);
    }
    throw new BulwarkError("BWK_USAGE", `keys: unknown sub-command "${sub}" (create, ls, revoke or rotate-master)`);
  },
};

async function create(args: Parsed, env: Env, client: ControlClient, extra: string | undefined): Promise<void> {
  refuseExtra("create", extra);
  const v = args.values;
  if (typeof v.name !== "string") throw new BulwarkError("BWK_USAGE", "keys create: --name N is required");
  if (v.routes !== undefined && v.functions !== undefined) {
    throw new BulwarkError("BWK_USAGE", "keys create: scope a key by --routes or by --functions, not both");
  }
  const body: Record<string, string> = {};
  for (const option of ["routes", "functions", "roles", "expires"]) {
    if (typeof v[option] === "string") body[option] = v[option];
  }
  const stage = stageOf(args);
  const key = await client.request<KeyRecord & { key: string }>("POST", onStage(`/v1/keys/${encodeURIComponent(v.name)}`, stage), body);
  print(env.stdout, `created API key ${key.name} for the ${stage} stage (scope: ${scopeOf(key)}; expires: ${key.expiresAt ?? "never"})`);
  print(env.stdout, key.key);
  print(env.stderr, "store this key now: it is shown only once and cannot be recovered");
}

async function list(args: Parsed, env: Env, client: ControlClient, extra: string | undefined): Promise<void> {
  refuseExtra("ls", extra);
  refuseCreateOptions("ls", args);
  const records = await client.request<KeyRecord[]>("GET", onStage("/v1/keys", stageOf(args)));
  if (args.values.json) return print(env.stdout, JSON.stringify(records, null, 2));
  if (records.length === 0) return print(env.stdout, "no API keys");
  const row = (cells: string[]) => print(env.stdout, cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(WIDTHS[i]!) : c)).join(" "));
  row(["NAME", "PREFIX", "CREATED", "EXPIRES", "REVOKED", "ROLES", "SCOPE"]);
  for (const k of records) {
    row([k.name, `${k.prefix}…`, day(k.createdAt), k.expiresAt ? day(k.expiresAt) : "never", k.revokedAt ? day(k.revokedAt) : "-", k.roles.join(",") || "-", scopeOf(k)]);
  }
}

async function revoke(args: Parsed, env: Env, client: ControlClient, name: string | undefined): Promise<void> {
  refuseCreateOptions("revoke", args);
  if (name === undefined) throw new BulwarkError("BWK_USAGE", "keys revoke: which key? usage: bulwark keys revoke NAME");
  const key = await client.request<KeyRecord>("POST", onStage(`/v1/keys/${encodeURIComponent(name)}/revoke`, stageOf(args)));
  print(env.stdout, `revoked API key ${key.name} (${key.prefix}…) at ${key.revokedAt}`);
}

const WIDTHS = [24, 10, 20, 20, 20, 16];

function scopeOf(k: KeyRecord): string {
  if (k.scope.routes.length > 0) return k.scope.routes.join(", ");
  if (k.scope.functions.length > 0) return `functions ${k.scope.functions.join(", ")}`;
  return "every apiKey route";
}

function day(iso: string): string {
  return iso.slice(0, 19).replace("T", " ");
}

function refuseExtra(sub: string, extra: string | undefined): void {
  if (extra !== undefined) throw new BulwarkError("BWK_USAGE", `keys ${sub}: unexpected argument "${extra}"`);
}

function refuseCreateOptions(sub: string, args: Parsed): void {
  const misplaced = CREATE_OPTIONS.find((o) => args.values[o] !== undefined);
  if (misplaced) throw new BulwarkError("BWK_USAGE", `keys ${sub}: --${misplaced} belongs to keys create`);
}

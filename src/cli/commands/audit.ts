// `bulwark audit verify|export|query`: the tamper-evident audit trail.
//
// verify runs through the running platform (which records a critical `audit.tampered` event when
// it fails), or straight against the data dir when the platform is not running, with --offline,
// or with --public-key (an auditor's own copy of the key: the platform is then not trusted at all).
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { BulwarkError, isBulwarkError } from "../../core/errors.ts";
import { readCheckpointFile, verifyAuditFiles, type AuditCheck } from "../../control/audit-file.ts";
import type { ControlClient } from "../../control/client.ts";
import { ACTOR_TYPES, type AuditRecord, type Checkpoint } from "../../security/audit/index.ts";
import { intOption, type Command, type Env, type Parsed } from "../command.ts";
import { timeOrAge } from "./age.ts";
import { clientFor, dataDirOf, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";

/** Exit status when verification finds tampering, apart from 1 (the check itself failed). */
export const TAMPERED_EXIT = 3;

const SUB_OPTIONS: Record<string, string[]> = {
  verify: ["from-checkpoint", "offline", "public-key", "json"],
  export: ["out"],
  query: ["actor", "action", "target", "since", "until", "limit", "after", "json"],
};

export const audit: Command = {
  name: "audit",
  summary: "Verifies, exports a checkpoint of, and queries the hash-chained audit log.",
  usage:
    "bulwark audit verify [--from-checkpoint FILE] [--offline] [--public-key PEM] | audit export [--out FILE] | " +
    "audit query [--actor A] [--action X] [--target T] [--since ISO|7d] [--until ISO|1h] [--limit N] [--after SEQ] [--json]",
  options: {
    ...DATA_DIR_OPTION,
    "from-checkpoint": { type: "string" },
    offline: { type: "boolean" },
    "public-key": { type: "string" },
    out: { type: "string", short: "o" },
    actor: { type: "string" },
    action: { type: "string" },
    target: { type: "string" },
    since: { type: "string" },
    until: { type: "string" },
    limit: { type: "string" },
    after: { type: "string" },
    json: { type: "boolean" },
  },
  help: {
    "from-checkpoint": "verify: also hold the log against a checkpoint exported earlier (catches a cut-off tail)",
    offline: "verify: read the data dir directly, even if the platform runs",
    "public-key": "verify: the audit public key to trust (PEM); implies --offline (default: keys/ in the data dir)",
    out: "export: write the checkpoint to FILE instead of stdout",
    actor: "query: TYPE:ID (user:admin, function:charge), an ID, or TYPE: for any id of that type",
    action: "query: exact action, like deploy.prod or audit.read",
    target: "query: exact target, like function:charge",
    since: "query: from this time on (ISO 8601, e.g. 2025-01-31 or 2025-01-31T12:00:00Z) or this long ago (30m, 24h, 7d)",
    until: "query: before this time (ISO 8601, or an age like 1h)",
    limit: "query: at most N records (default 100, at most 1000)",
    after: "query: records after this seq (the next page)",
    json: "verify, query: print JSON",
    ...DATA_DIR_HELP,
  },
  positionals: { min: 1, max: 1 },
  async run(args, env) {
    const sub = args.positionals[0]!;
    const allowed = SUB_OPTIONS[sub];
    if (allowed === undefined) throw new BulwarkError("BWK_USAGE", `audit: unknown sub-command "${sub}" (verify, export or query)`);
    const foreign = Object.keys(SUB_OPTIONS).flatMap((s) => SUB_OPTIONS[s]!).filter((o) => !allowed.includes(o) && args.values[o] !== undefined);
    if (foreign.length > 0) throw new BulwarkError("BWK_USAGE", `audit ${sub}: --${foreign[0]} does not apply here`);
    if (sub === "verify") return verify(args, env);
    if (sub === "export") return exportCheckpoint(args, env);
    return query(args, env);
  },
};

async function verify(args: Parsed, env: Env): Promise<number> {
  const from = args.values["from-checkpoint"];
  const checkpoint = typeof from === "string" ? readCheckpointFile(resolve(env.cwd, from)) : undefined;
  const publicKey = args.values["public-key"];
  const dataDir = dataDirOf(args, env);
  let result: AuditCheck | undefined;
  let where = "through the platform";
  if (args.values.offline !== true && publicKey === undefined) {
    result = await throughPlatform(args, env, checkpoint);
  }
  if (result === undefined) {
    where = `in ${dataDir}`;
    result = verifyAuditFiles(dataDir, {
      ...(typeof publicKey === "string" && { publicKeyFile: resolve(env.cwd, publicKey) }),
      ...(checkpoint && { checkpoint }),
    });
  }
  if (args.values.json) print(env.stdout, JSON.stringify(result, null, 2));
  else if (result.ok) {
    const against = checkpoint ? `, matches checkpoint at seq ${checkpoint.seq}` : "";
    print(env.stdout, `OK: ${result.records} records verified ${where}, head seq ${result.lastSeq} hash ${result.lastHash}${against}`);
  } else {
    print(env.stdout, `TAMPERED: ${result.problem} at seq ${result.seq}: ${result.detail}`);
  }
  return result.ok ? 0 : TAMPERED_EXIT;
}

/** The platform's answer, or undefined when no platform runs for this data dir. */
async function throughPlatform(args: Parsed, env: Env, checkpoint: Checkpoint | undefined): Promise<AuditCheck | undefined> {
  let client: ControlClient;
  try {
    client = clientFor(args, env);
    return await client.request<AuditCheck>("POST", "/v1/audit/verify", checkpoint ? { checkpoint } : {});
  } catch (e) {
    if (isBulwarkError(e) && e.code === "BWK_PLATFORM_UNREACHABLE") return undefined;
    throw e;
  }
}

async function exportCheckpoint(args: Parsed, env: Env): Promise<void> {
  const checkpoint = await clientFor(args, env).request<Checkpoint>("POST", "/v1/audit/checkpoint");
  const text = `${JSON.stringify(checkpoint, null, 2)}\n`;
  const out = args.values.out;
  if (typeof out !== "string") {
    env.stdout.write(text);
    return;
  }
  const path = resolve(env.cwd, out);
  writeFileSync(path, text);
  print(env.stdout, `checkpoint at seq ${checkpoint.seq} written to ${path}; keep it away from this host`);
}

async function query(args: Parsed, env: Env): Promise<void> {
  const v = args.values;
  const params = new URLSearchParams();
  if (typeof v.actor === "string") {
    const { type, id } = parseActor(v.actor);
    if (type !== undefined) params.set("actorType", type);
    if (id !== undefined) params.set("actorId", id);
  }
  for (const key of ["action", "target"] as const) {
    const value = v[key];
    if (typeof value === "string") params.set(key, value);
  }
  for (const key of ["since", "until"] as const) {
    const value = v[key];
    if (typeof value === "string") params.set(key, timeOrAge(key, value));
  }
  if (v.limit !== undefined) params.set("limit", String(intOption("limit", v.limit, 100, 1_000)));
  if (v.after !== undefined) params.set("after", String(intOption("after", v.after, 0)));
  const records = await clientFor(args, env).request<AuditRecord[]>("GET", `/v1/audit?${params}`);
  if (v.json) {
    print(env.stdout, JSON.stringify(records, null, 2));
    return;
  }
  if (records.length === 0) {
    print(env.stdout, "no audit records match");
    return;
  }
  print(env.stdout, `${"SEQ".padEnd(7)} ${"TIME".padEnd(24)} ${"OUTCOME".padEnd(8)} ${"ACTOR".padEnd(24)} ${"ACTION".padEnd(18)} TARGET`);
  for (const r of records) {
    const actor = `${r.actor.type}:${r.actor.id}`;
    print(env.stdout, `${String(r.seq).padEnd(7)} ${r.time.padEnd(24)} ${r.outcome.padEnd(8)} ${actor.padEnd(24)} ${r.action.padEnd(18)} ${r.target}`);
  }
}

/** "user:admin" → both; "user:" → the type; anything else is an id (an IPv6 client id has colons). */
export function parseActor(text: string): { type?: string; id?: string } {
  const colon = text.indexOf(":");
  const prefix = colon === -1 ? "" : text.slice(0, colon);
  if (!(ACTOR_TYPES as readonly string[]).includes(prefix)) return { id: text };
  const id = text.slice(colon + 1);
  return id === "" ? { type: prefix } : { type: prefix, id };
}

// `bulwark tokens create|ls|revoke`: CI tokens, each for one role and one stage, expiring. Use one
// as BULWARK_TOKEN in a pipeline. The token is printed once; the platform keeps only its hash.
import type { CiTokenView } from "../../control/auth/ci-tokens.ts";
import { BulwarkError } from "../../core/errors.ts";
import type { Command } from "../command.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";

const UNIT_SECONDS: Record<string, number> = { m: 60, h: 3600, d: 86_400 };

export const tokens: Command = {
  name: "tokens",
  summary: "Creates, lists and revokes CI tokens scoped to one role and one stage.",
  usage: "bulwark tokens create --role R --stage dev|prod [--expires 30d] [--name N] | tokens ls [--json] | tokens revoke ID",
  options: {
    ...DATA_DIR_OPTION,
    role: { type: "string" },
    stage: { type: "string" },
    expires: { type: "string" },
    name: { type: "string" },
    json: { type: "boolean" },
  },
  help: {
    role: "create: developer, operator or auditor",
    stage: "create: the only stage the token may act on (dev or prod)",
    expires: "create: lifetime like 90m, 12h or 30d (default 30d, at most 366d)",
    name: "create: a label shown in listings and the audit trail",
    json: "ls: print JSON",
    ...DATA_DIR_HELP,
  },
  positionals: { min: 1, max: 2 },
  async run(args, env) {
    const [sub, id] = args.positionals;
    const client = clientFor(args, env);
    if (sub === "create") {
      const v = args.values;
      if (typeof v.role !== "string" || typeof v.stage !== "string") {
        throw new BulwarkError("BWK_USAGE", "tokens create: --role and --stage are required");
      }
      const body = { role: v.role, stage: v.stage, expiresInSeconds: lifetime(v.expires), ...(typeof v.name === "string" ? { name: v.name } : {}) };
      const created = await client.request<CiTokenView & { token: string }>("POST", "/v1/tokens", body);
      print(env.stdout, `created CI token ${created.id} (role ${created.role}, stage ${created.stage}, expires ${created.expiresAt})`);
      print(env.stdout, created.token);
      print(env.stderr, "store it in your CI secret store now (as BULWARK_TOKEN): it is shown only once");
      return;
    }
    if (sub === "ls") {
      const all = await client.request<CiTokenView[]>("GET", "/v1/tokens");
      if (args.values.json) return print(env.stdout, JSON.stringify(all, null, 2));
      print(env.stdout, `${"ID".padEnd(16)} ${"NAME".padEnd(20)} ${"ROLE".padEnd(10)} ${"STAGE".padEnd(6)} ${"STATUS".padEnd(8)} EXPIRES`);
      for (const t of all) {
        const why = t.revokedReason === undefined ? "" : `  (${t.revokedReason})`;
        print(env.stdout, `${t.id.padEnd(16)} ${t.name.padEnd(20)} ${t.role.padEnd(10)} ${t.stage.padEnd(6)} ${t.status.padEnd(8)} ${t.expiresAt}${why}`);
      }
      return;
    }
    if (sub === "revoke") {
      if (id === undefined) throw new BulwarkError("BWK_USAGE", "tokens revoke: which token? usage: bulwark tokens revoke ID");
      const t = await client.request<CiTokenView>("POST", `/v1/tokens/${encodeURIComponent(id)}/revoke`);
      return print(env.stdout, `revoked CI token ${t.id} (${t.name})`);
    }
    throw new BulwarkError("BWK_USAGE", `tokens: unknown sub-command "${sub}" (create, ls or revoke)`);
  },
};

function lifetime(value: string | boolean | undefined): number {
  if (value === undefined) return 30 * UNIT_SECONDS.d!;
  const m = typeof value === "string" ? /^([1-9]\d{0,5})([mhd])$/.exec(value) : null;
  if (!m) throw new BulwarkError("BWK_USAGE", `tokens create: --expires must be like 90m, 12h or 30d, got "${String(value)}"`);
  return Number(m[1]) * UNIT_SECONDS[m[2]!]!;
}

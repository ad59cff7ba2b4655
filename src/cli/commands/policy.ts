// `bulwark policy lint` and `bulwark policy suggest FN`, from the serving manifests and the broker
// calls the platform recorded. lint exits 1 when it finds anything of medium severity or above.
import { BulwarkError } from "../../core/errors.ts";
import type { Command } from "../command.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";
import { onStage, STAGE_HELP, STAGE_OPTION, stageOf } from "./stage-option.ts";

interface Finding {
  function: string;
  rule: string;
  severity: "high" | "medium" | "low" | "info";
  field: string;
  message: string;
}

interface Suggestion {
  function: string;
  calls: number;
  denied: string[];
  yaml: string;
}

export const policy: Command = {
  name: "policy",
  summary: "Lints the functions' permissions in a stage, or suggests the smallest permissions block for FN from its recorded calls.",
  usage: "bulwark policy lint [--json] | policy suggest FN [--include-denied] [--json]  [--stage dev|prod]",
  options: { ...DATA_DIR_OPTION, ...STAGE_OPTION, json: { type: "boolean" }, "include-denied": { type: "boolean" } },
  help: {
    json: "print JSON",
    "include-denied": "suggest: also cover calls that were refused (review them first: a refusal may be an attack)",
    ...STAGE_HELP,
    ...DATA_DIR_HELP,
  },
  positionals: { min: 1, max: 2 },
  async run(args, env) {
    const [sub, fn] = args.positionals;
    const stage = stageOf(args);
    const client = clientFor(args, env);
    if (sub === "lint") {
      if (fn !== undefined) throw new BulwarkError("BWK_USAGE", `policy lint: unexpected argument "${fn}"`);
      const { findings } = await client.request<{ findings: Finding[] }>("GET", onStage("/v1/policy/lint", stage));
      if (args.values.json) print(env.stdout, JSON.stringify(findings, null, 2));
      else if (findings.length === 0) print(env.stdout, "no findings");
      else for (const f of findings) print(env.stdout, `${f.severity.toUpperCase().padEnd(6)} ${f.rule.padEnd(16)} ${f.field}: ${f.message}`);
      return findings.some((f) => f.severity === "high" || f.severity === "medium") ? 1 : 0;
    }
    if (sub === "suggest") {
      if (fn === undefined) throw new BulwarkError("BWK_USAGE", "policy suggest: which function? usage: bulwark policy suggest FN");
      const query = args.values["include-denied"] ? "?includeDenied=true" : "";
      const s = await client.request<Suggestion>("GET", onStage(`/v1/policy/suggest/${encodeURIComponent(fn)}${query}`, stage));
      if (args.values.json) return print(env.stdout, JSON.stringify(s, null, 2));
      // Comments go to stderr, so stdout is exactly the block to paste.
      print(env.stderr, `# ${s.function}: from ${s.calls} recorded calls`);
      for (const d of s.denied) print(env.stderr, `# refused${args.values["include-denied"] ? "" : ", not included"}: ${d}`);
      env.stdout.write(s.yaml);
      return 0;
    }
    throw new BulwarkError("BWK_USAGE", `policy: unknown sub-command "${sub}" (lint or suggest)`);
  },
};

// `bulwark secrets set|rotate|get|ls|rm`. A value never comes from argv, where other users of
// the host can read it (ps, /proc/PID/cmdline): it is read from stdin (typed without echo at a
// terminal; a pipe is read whole, minus one trailing newline) or from --from-file, exactly.
import { closeSync, fstatSync, openSync, readSync, constants } from "node:fs";
import { resolve } from "node:path";
import { BulwarkError } from "../../core/errors.ts";
import type { Command, Env, Parsed } from "../command.ts";
import { prompterFor } from "../prompt.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";
import { onStage, STAGE_HELP, STAGE_OPTION, stageOf } from "./stage-option.ts";

/** Larger than the platform's limit (64 KiB), so the platform's own refusal is what users see. */
const MAX_INPUT_BYTES = 128 * 1024;

interface Summary {
  name: string;
  version: number;
  versions: number;
  updatedAt: string;
}

export const secrets: Command = {
  name: "secrets",
  summary: "Sets, rotates, lists, reads back and removes the app's secrets in a stage (values from stdin or a file, never argv).",
  usage: "bulwark secrets set NAME [--from-file F] | rotate NAME [--from-file F] | ls [--json] | get NAME | rm NAME  [--stage dev|prod]",
  options: { ...DATA_DIR_OPTION, ...STAGE_OPTION, "from-file": { type: "string" }, json: { type: "boolean" } },
  help: {
    "from-file": "set, rotate: read the value from this file, byte for byte (default: stdin)",
    json: "ls: print JSON",
    ...STAGE_HELP,
    ...DATA_DIR_HELP,
  },
  positionals: { min: 1, max: 2 },
  async run(args, env) {
    const [sub, name] = args.positionals;
    const stage = stageOf(args);
    const client = clientFor(args, env);
    const path = (suffix = "") => onStage(`/v1/secrets/${encodeURIComponent(need(sub!, name))}${suffix}`, stage);
    switch (sub) {
      case "set":
      case "rotate": {
        const value = await readValue(args, env, need(sub, name));
        const r = await client.request<{ name: string; version: number }>("POST", path(sub === "rotate" ? "/rotate" : ""), { value });
        return print(env.stdout, `${sub === "set" ? "set" : "rotated"} secret ${r.name} in the ${stage} stage (version ${r.version})`);
      }
      case "ls": {
        if (name !== undefined) throw new BulwarkError("BWK_USAGE", `secrets ls: unexpected argument "${name}"`);
        const list = await client.request<Summary[]>("GET", onStage("/v1/secrets", stage));
        if (args.values.json) return print(env.stdout, JSON.stringify(list, null, 2));
        if (list.length === 0) return print(env.stdout, "no secrets");
        print(env.stdout, `${"NAME".padEnd(32)} ${"VERSION".padEnd(8)} ${"KEPT".padEnd(5)} UPDATED`);
        for (const s of list) print(env.stdout, `${s.name.padEnd(32)} ${String(s.version).padEnd(8)} ${String(s.versions).padEnd(5)} ${s.updatedAt}`);
        return;
      }
      case "get": {
        const r = await client.request<{ value: string }>("GET", path("/value"));
        // The value alone, so `bulwark secrets get X > file` writes exactly it.
        env.stdout.write(r.value);
        return;
      }
      case "rm": {
        const r = await client.request<{ name: string }>("POST", path("/rm"));
        return print(env.stdout, `removed secret ${r.name} and all its versions from the ${stage} stage`);
      }
      default:
        throw new BulwarkError("BWK_USAGE", `secrets: unknown sub-command "${sub}" (set, rotate, ls, get or rm)`);
    }
  },
};

function need(sub: string, name: string | undefined): string {
  if (name === undefined) throw new BulwarkError("BWK_USAGE", `secrets ${sub}: which secret? usage: bulwark secrets ${sub} NAME`);
  return name;
}

async function readValue(args: Parsed, env: Env, name: string): Promise<string> {
  const file = args.values["from-file"];
  if (typeof file === "string") return readFile(resolve(env.cwd, file));
  const stdin = env.stdin;
  if (stdin === undefined) throw new BulwarkError("BWK_USAGE", "no value: pipe it to stdin or use --from-file");
  if (stdin.isTTY) {
    const answer = await prompterFor(stdin, env.stderr).ask(`value of ${name}: `, { secret: true });
    if (answer === null || answer === "") throw new BulwarkError("BWK_USAGE", "no value was entered");
    return answer;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stdin) {
    const bytes = typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer);
    size += bytes.length;
    if (size > MAX_INPUT_BYTES) throw new BulwarkError("BWK_USAGE", `the value on stdin is larger than ${MAX_INPUT_BYTES} bytes`);
    chunks.push(bytes);
  }
  // `echo value |` and here-strings end with a newline that is not part of the value.
  const text = Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
  if (text === "") throw new BulwarkError("BWK_USAGE", "stdin was empty: pipe the value in, or use --from-file");
  return text;
}

function readFile(path: string): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch (e) {
    throw new BulwarkError("BWK_USAGE", `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? "error"}`);
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new BulwarkError("BWK_USAGE", `${path} is not a regular file`);
    if (stat.size > MAX_INPUT_BYTES) throw new BulwarkError("BWK_USAGE", `${path} is larger than ${MAX_INPUT_BYTES} bytes`);
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < buffer.length) {
      const n = readSync(fd, buffer, read, buffer.length - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString("utf8");
  } finally {
    closeSync(fd);
  }
}

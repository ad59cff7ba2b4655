// `bulwark`: parses arguments, runs one command, prints one line on failure and exits non-zero.
// The only place that reads process.env and process.argv.
import { isBulwarkError } from "../core/errors.ts";
import { helpText, parse, type Command, type Env } from "./command.ts";
import { deploy } from "./commands/deploy.ts";
import { invoke } from "./commands/invoke.ts";
import { logs } from "./commands/logs.ts";
import { ls } from "./commands/ls.ts";
import { rollback } from "./commands/rollback.ts";
import { up } from "./commands/up.ts";

const COMMANDS: Command[] = [up, deploy, invoke, logs, ls, rollback];
const VERSION = "0.1.0";

function usage(): string {
  const lines = ["usage: bulwark COMMAND [ARGS] (bulwark COMMAND --help for its options)", "", "commands:"];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  return `${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<number> {
  const env: Env = { cwd: process.cwd(), dataDir: process.env.BULWARK_DATA_DIR, stdout: process.stdout, stderr: process.stderr };
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    process.stdout.write(`bulwark ${VERSION}\n`);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`bulwark: unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(", ")})\n`);
    return 2;
  }
  try {
    const args = parse(command, rest);
    if (args.values.help) {
      process.stdout.write(helpText(command));
      return 0;
    }
    return (await command.run(args, env)) ?? 0;
  } catch (e) {
    if (isBulwarkError(e)) {
      process.stderr.write(`bulwark: ${e.message.split("\n")[0]}\n`);
      return e.code === "BWK_USAGE" ? 2 : 1;
    }
    process.stderr.write(`bulwark: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));

// `bulwark`: parses arguments, runs one command, prints one line on failure and exits non-zero.
// The only place that reads process.env and process.argv.
import { homedir } from "node:os";
import { join } from "node:path";
import { isBulwarkError } from "../core/errors.ts";
import { helpText, parse, type Command, type Env } from "./command.ts";
import { VERSION } from "./version.ts";

// Commands load on demand: starting `bulwark ls` must not pay for the scanner or the platform.
const COMMANDS: Record<string, () => Promise<Command>> = {
  up: async () => (await import("./commands/up.ts")).up,
  deploy: async () => (await import("./commands/deploy.ts")).deploy,
  invoke: async () => (await import("./commands/invoke.ts")).invoke,
  logs: async () => (await import("./commands/logs.ts")).logs,
  ls: async () => (await import("./commands/ls.ts")).ls,
  keys: async () => (await import("./commands/keys.ts")).keys,
  rollback: async () => (await import("./commands/rollback.ts")).rollback,
  quarantine: async () => (await import("./commands/quarantine.ts")).quarantine,
  release: async () => (await import("./commands/quarantine.ts")).release,
  limits: async () => (await import("./commands/limits.ts")).limits,
  audit: async () => (await import("./commands/audit.ts")).audit,
  siem: async () => (await import("./commands/siem.ts")).siem,
  login: async () => (await import("./commands/login.ts")).login,
  logout: async () => (await import("./commands/login.ts")).logout,
  whoami: async () => (await import("./commands/login.ts")).whoami,
  passwd: async () => (await import("./commands/passwd.ts")).passwd,
  users: async () => (await import("./commands/users.ts")).users,
  mfa: async () => (await import("./commands/mfa.ts")).mfa,
  tokens: async () => (await import("./commands/tokens.ts")).tokens,
  secrets: async () => (await import("./commands/secrets.ts")).secrets,
  policy: async () => (await import("./commands/policy.ts")).policy,
  events: async () => (await import("./commands/events.ts")).events,
  intel: async () => (await import("./commands/intel.ts")).intel,
  scan: async () => (await import("./commands/scan.ts")).scan,
  advisories: async () => (await import("./commands/advisories.ts")).advisories,
  sbom: async () => (await import("./commands/sbom.ts")).sbom,
};

async function usage(): Promise<string> {
  const lines = ["usage: bulwark COMMAND [ARGS] (bulwark COMMAND --help for its options)", "", "commands:"];
  for (const load of Object.values(COMMANDS)) {
    const c = await load();
    lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  }
  return `${lines.join("\n")}\n`;
}

async function main(argv: string[]): Promise<number> {
  const env: Env = {
    cwd: process.cwd(),
    dataDir: process.env.BULWARK_DATA_DIR,
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    configDir: join(process.env.XDG_CONFIG_HOME || join(homedir(), ".config"), "bulwark"),
    token: process.env.BULWARK_TOKEN || undefined,
    controlUrl: process.env.BULWARK_CONTROL_URL || undefined,
    controlCa: process.env.BULWARK_CONTROL_CA || undefined,
    masterKey: process.env.BULWARK_MASTER_KEY || undefined,
    dataHome: join(process.env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "bulwark"),
  };
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    process.stdout.write(await usage());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version") {
    process.stdout.write(`bulwark ${VERSION}\n`);
    return 0;
  }
  const load = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!load) {
    process.stderr.write(`bulwark: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(", ")})\n`);
    return 2;
  }
  try {
    const command = await load();
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

// A reader that stops early (`bulwark ls | head -1`) closes the pipe under the output: that is
// the reader's choice, as with any Unix filter, not a failure to print a stack trace for.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code !== "EPIPE") throw e;
  process.exit(0);
});
process.exitCode = await main(process.argv.slice(2));

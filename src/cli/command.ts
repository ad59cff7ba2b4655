// The shape of one CLI command, and the strict argument parsing they all share.
import { parseArgs, type ParseArgsConfig } from "node:util";
import { BulwarkError } from "../core/errors.ts";

export type Options = NonNullable<ParseArgsConfig["options"]>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Help text for each option, keyed by option name. */
  help: Record<string, string>;
  options: Options;
  /** How many positional arguments the command takes. */
  positionals: { min: number; max: number };
  run(args: Parsed, env: Env): Promise<number | void>;
}

export interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

/** What the CLI hands its commands from the environment; nothing below src/cli reads process.env. */
export interface Env {
  cwd: string;
  dataDir: string | undefined;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** Answers to prompts (password, TOTP code): the terminal, or lines piped in. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?(mode: boolean): unknown };
  /** Where `bulwark login` keeps sessions: $XDG_CONFIG_HOME/bulwark, else ~/.config/bulwark. */
  configDir?: string;
  /** $BULWARK_TOKEN: a CI token (or session token) used instead of a stored session. */
  token?: string;
  /** $BULWARK_CONTROL_URL: the control API to talk to, instead of the one in the data dir. */
  controlUrl?: string;
  /** $BULWARK_CONTROL_CA: how to trust an https control API (sha256:FINGERPRINT or a CA PEM file). */
  controlCa?: string;
  /** $BULWARK_MASTER_KEY: the master key in base64, for `up` (instead of --master-key-file). */
  masterKey?: string;
  /** The user's Bulwark data: $XDG_DATA_HOME/bulwark, else ~/.local/share/bulwark (imported advisories). */
  dataHome?: string;
}

export function parse(command: Command, argv: string[]): Parsed {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: command.options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new BulwarkError("BWK_USAGE", `${command.name}: ${(e as Error).message.replace(/\. To specify.*$/s, "")}`);
  }
  if (parsed.values.help) return { values: parsed.values as Parsed["values"], positionals: parsed.positionals };
  const { min, max } = command.positionals;
  if (parsed.positionals.length < min) throw new BulwarkError("BWK_USAGE", `${command.name}: missing argument; usage: ${command.usage}`);
  if (parsed.positionals.length > max) {
    throw new BulwarkError("BWK_USAGE", `${command.name}: unexpected argument "${parsed.positionals[max]}"; usage: ${command.usage}`);
  }
  return { values: parsed.values as Parsed["values"], positionals: parsed.positionals };
}

export function helpText(command: Command): string {
  const lines = [`usage: ${command.usage}`, "", command.summary];
  const names = Object.keys(command.help);
  if (names.length > 0) {
    lines.push("", "options:");
    for (const name of names) {
      const o = command.options[name]!;
      const flag = `--${name}${o.type === "string" ? " VALUE" : ""}`;
      lines.push(`  ${flag.padEnd(26)} ${command.help[name]}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** Parses a whole positive number option, or fails naming the option. */
export function intOption(name: string, value: string | boolean | undefined, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== "string" || !/^\d+$/.test(value) || Number(value) > max) {
    throw new BulwarkError("BWK_USAGE", `--${name} must be a whole number from 0 to ${max}, got "${String(value)}"`);
  }
  return Number(value);
}

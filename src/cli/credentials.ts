// Which control API the CLI talks to, and as whom. The URL: --control-url, else
// $BULWARK_CONTROL_URL, else the control.json of the data dir. The credential, first found wins:
// $BULWARK_TOKEN (CI), the session `bulwark login` stored for that URL, the local operator token
// in the data dir (readable only by the user who runs the platform, who is root of it anyway).
import { BulwarkError } from "../core/errors.ts";
import { ControlClient, type ControlTarget } from "../control/client.ts";
import type { Env, Parsed } from "./command.ts";
import { prompterFor } from "./prompt.ts";
import { SessionFile } from "./sessions.ts";

/** `dataDir` is asked only when no URL is given, so a remote user needs no data dir. */
export function targetFor(args: Parsed, env: Env, dataDir: () => string): ControlTarget {
  const flag = args.values["control-url"];
  const url = typeof flag === "string" ? flag : env.controlUrl;
  if (url === undefined) return ControlClient.targetOf(dataDir());
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BulwarkError("BWK_USAGE", `--control-url must be a URL like http://127.0.0.1:7070, got "${url}"`);
  }
  if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.username || parsed.password || parsed.search) {
    throw new BulwarkError("BWK_USAGE", `--control-url must be an http(s) URL without credentials or query, got "${url}"`);
  }
  return { url: parsed.origin };
}

export function sessionsOf(env: Env): SessionFile | undefined {
  return env.configDir === undefined ? undefined : new SessionFile(env.configDir);
}

/** A client for the commands that act on the platform, with a step-up prompt when there is a terminal or piped input. */
export function authenticatedClient(args: Parsed, env: Env, dataDir: () => string): ControlClient {
  const target = targetFor(args, env, dataDir);
  const stored = sessionsOf(env)?.get(target.url);
  const session = stored && Date.parse(stored.expiresAt) > Date.now() ? stored.token : undefined;
  const token = env.token ?? session ?? target.localToken;
  if (token === undefined) {
    throw new BulwarkError("BWK_UNAUTHORIZED", `not signed in to ${target.url}: run \`bulwark login\``);
  }
  return new ControlClient(target.url, token, { stepUp: stepUpPrompt(env) });
}

function stepUpPrompt(env: Env): (() => Promise<string | null>) | undefined {
  const stdin = env.stdin;
  if (stdin === undefined) return undefined;
  return async () => {
    env.stderr.write("this action needs a fresh MFA check\n");
    const code = await prompterFor(stdin, env.stderr).ask("TOTP or recovery code: ");
    return code === null || code.trim() === "" ? null : code.trim();
  };
}

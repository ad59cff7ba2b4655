// Which control API the CLI talks to, and as whom. The URL: --control-url, else
// $BULWARK_CONTROL_URL, else the control.json of the data dir (which also pins its certificate).
// Over https the certificate is checked against --control-ca / $BULWARK_CONTROL_CA when given,
// else the pin from control.json, else the system's CAs; plain http only on loopback, because a
// bearer token sent over http crosses the network in clear text. The credential, first found wins:
// $BULWARK_TOKEN (CI), the session `bulwark login` stored for that URL, the local operator token
// in the data dir (readable only by the user who runs the platform, who is root of it anyway).
import { BulwarkError } from "../core/errors.ts";
import { isLoopbackHost } from "../core/ipaddr.ts";
import { ControlClient, type ControlTarget } from "../control/client.ts";
import { trustOf } from "../control/transport.ts";
import type { Env, Parsed } from "./command.ts";
import { prompterFor } from "./prompt.ts";
import { SessionFile } from "./sessions.ts";

/** `dataDir` is asked only when no URL is given, so a remote user needs no data dir. */
export function targetFor(args: Parsed, env: Env, dataDir: () => string): ControlTarget {
  const target = urlTarget(args, env) ?? ControlClient.targetOf(dataDir());
  const ca = args.values["control-ca"];
  const trust = typeof ca === "string" ? ca : env.controlCa;
  if (trust === undefined) return target;
  if (!target.url.startsWith("https:")) throw new BulwarkError("BWK_USAGE", `--control-ca (or $BULWARK_CONTROL_CA) is for an https:// control API, and ${target.url} is not one`);
  return { ...target, trust: trustOf(trust, env.cwd) };
}

function urlTarget(args: Parsed, env: Env): ControlTarget | undefined {
  const flag = args.values["control-url"];
  const url = typeof flag === "string" ? flag : env.controlUrl;
  if (url === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new BulwarkError("BWK_USAGE", `--control-url must be a URL like http://127.0.0.1:7070, got "${url}"`);
  }
  if ((parsed.protocol !== "http:" && parsed.protocol !== "https:") || parsed.username || parsed.password || parsed.search) {
    throw new BulwarkError("BWK_USAGE", `--control-url must be an http(s) URL without credentials or query, got "${url}"`);
  }
  if (parsed.protocol === "http:" && !isLoopbackHost(parsed.hostname)) {
    throw new BulwarkError("BWK_USAGE", `--control-url ${parsed.origin} must be https://: a token sent over plain http crosses the network in clear text`);
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
  return new ControlClient(target, token, { stepUp: stepUpPrompt(env) });
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

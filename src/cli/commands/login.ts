// `bulwark login`, `bulwark logout` and `bulwark whoami`: a session per control URL, kept in the
// user's config dir (cli/sessions.ts). The password and the TOTP code are asked for, never argv.
import { BulwarkError, isBulwarkError } from "../../core/errors.ts";
import type { LoginResult } from "../../control/auth/login.ts";
import { ControlClient } from "../../control/client.ts";
import type { Command, Env, Parsed } from "../command.ts";
import { authenticatedClient, sessionsOf, targetFor } from "../credentials.ts";
import { prompterFor, type Prompter } from "../prompt.ts";
import { changePassword } from "./passwd.ts";
import { DATA_DIR_HELP, DATA_DIR_OPTION, dataDirOf, print } from "./shared.ts";


export const login: Command = {
  name: "login",
  summary: "Signs in to the control API and keeps the session in your config dir (mode 0600).",
  usage: "bulwark login [--user NAME] [--control-url URL | --data-dir DIR]",
  options: { ...DATA_DIR_OPTION, user: { type: "string", short: "u" } },
  help: { user: "the user to sign in as (asked for when not given)", ...DATA_DIR_HELP },
  positionals: { min: 0, max: 0 },
  async run(args, env) {
    const target = targetFor(args, env, () => dataDirOf(args, env));
    const sessions = sessionsOf(env);
    if (sessions === undefined) throw new BulwarkError("BWK_USAGE", "login: no config dir to keep the session in");
    const prompter = prompterOf(env);
    const user = typeof args.values.user === "string" ? args.values.user : await prompter.ask("user: ");
    if (!user) throw new BulwarkError("BWK_USAGE", "login: no user name given (use --user NAME)");
    const password = await prompter.ask(`password for ${user}: `, { secret: true });
    if (!password) throw new BulwarkError("BWK_USAGE", "login: no password given");
    const client = new ControlClient(target, null);
    let result: LoginResult;
    try {
      result = await client.request<LoginResult>("POST", "/v1/auth/login", { user, password });
    } catch (e) {
      if (!isBulwarkError(e) || e.code !== "BWK_MFA_REQUIRED") throw e;
      const code = await prompter.ask("TOTP or recovery code: ");
      if (!code) throw new BulwarkError("BWK_USAGE", "login: this account needs a TOTP code");
      result = await client.request<LoginResult>("POST", "/v1/auth/login", { user, password, code: code.trim() });
    }
    sessions.set(target.url, { token: result.token, user: result.user, expiresAt: result.expiresAt });
    print(env.stdout, `signed in to ${target.url} as ${result.user} (roles: ${result.roles.join(", ") || "none"}; until ${result.expiresAt})`);
    if (result.passwordChangeRequired) {
      print(env.stderr, "that was a one-time password: choose your own now");
      await changePassword(new ControlClient(target, result.token), prompter, env, password);
    }
    if (!result.mfaEnrolled) print(env.stderr, "no second factor yet: run `bulwark mfa enroll` (deploys to prod, secrets and role changes need it)");
  },
};

export const logout: Command = {
  name: "logout",
  summary: "Ends your session on the server and forgets it locally.",
  usage: "bulwark logout [--control-url URL | --data-dir DIR]",
  options: { ...DATA_DIR_OPTION },
  help: { ...DATA_DIR_HELP },
  positionals: { min: 0, max: 0 },
  async run(args, env) {
    const target = targetFor(args, env, () => dataDirOf(args, env));
    const sessions = sessionsOf(env);
    const stored = sessions?.get(target.url);
    if (!sessions || !stored) return print(env.stdout, `not signed in to ${target.url}`);
    try {
      await new ControlClient(target, stored.token).request("POST", "/v1/auth/logout");
    } catch (e) {
      // A session the server no longer accepts is over already; anything else must be seen.
      if (!isBulwarkError(e) || e.code !== "BWK_UNAUTHORIZED") throw e;
    }
    sessions.delete(target.url);
    print(env.stdout, `signed out of ${target.url} (${stored.user})`);
  },
};

export const whoami: Command = {
  name: "whoami",
  summary: "Shows who the CLI acts as on the control API: user, roles and last MFA check.",
  usage: "bulwark whoami [--json] [--control-url URL | --data-dir DIR]",
  options: { ...DATA_DIR_OPTION, json: { type: "boolean" } },
  help: { json: "print JSON", ...DATA_DIR_HELP },
  positionals: { min: 0, max: 0 },
  async run(args: Parsed, env: Env) {
    const me = await authenticatedClient(args, env, () => dataDirOf(args, env)).request<Record<string, unknown>>("GET", "/v1/auth/whoami");
    if (args.values.json) return print(env.stdout, JSON.stringify(me, null, 2));
    const name = me.kind === "ci" ? `CI token ${String(me.name)} (stage ${String(me.stage)})` : String(me.user);
    const roles = Array.isArray(me.roles) ? me.roles.join(", ") : "";
    const mfa = me.kind === "user" ? `; MFA ${me.mfaEnrolled ? `enrolled, last checked ${String(me.mfaAt ?? "never this session")}` : "not enrolled"}` : "";
    print(env.stdout, `${name} (roles: ${roles || "none"}${mfa})`);
  },
};

export function prompterOf(env: Env): Prompter {
  if (env.stdin === undefined) throw new BulwarkError("BWK_USAGE", "no terminal or stdin to ask on");
  return prompterFor(env.stdin, env.stderr);
}

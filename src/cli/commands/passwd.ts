// `bulwark passwd`: changes your password (asked for, never argv). `bulwark login` runs the same
// steps right away when the password it was given is a one-time one.
import { BulwarkError } from "../../core/errors.ts";
import type { ControlClient } from "../../control/client.ts";
import type { Command, Env } from "../command.ts";
import type { Prompter } from "../prompt.ts";
import { prompterOf } from "./login.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";

export const passwd: Command = {
  name: "passwd",
  summary: "Changes your password; your other sessions end.",
  usage: "bulwark passwd [--control-url URL | --data-dir DIR]",
  options: { ...DATA_DIR_OPTION },
  help: { ...DATA_DIR_HELP },
  positionals: { min: 0, max: 0 },
  async run(args, env) {
    const prompter = prompterOf(env);
    const current = await prompter.ask("current password: ", { secret: true });
    if (!current) throw new BulwarkError("BWK_USAGE", "passwd: no current password given");
    await changePassword(clientFor(args, env), prompter, env, current);
  },
};

/** Asks for the new password twice and sends the change; throws BWK_USAGE when there is no answer. */
export async function changePassword(client: ControlClient, prompter: Prompter, env: Env, current: string): Promise<void> {
  print(env.stderr, "choose a password of at least 12 characters (a few unrelated words work well)");
  const next = await prompter.ask("new password: ", { secret: true });
  if (!next) throw new BulwarkError("BWK_USAGE", "passwd: no new password given; run `bulwark passwd`");
  const again = await prompter.ask("new password again: ", { secret: true });
  if (again !== next) throw new BulwarkError("BWK_USAGE", "passwd: the two new passwords differ; nothing was changed");
  const result = await client.request<{ otherSessionsEnded: number }>("POST", "/v1/auth/password", { current, new: next });
  print(env.stdout, `password changed (${result.otherSessionsEnded} other session(s) ended)`);
}

// `bulwark mfa enroll|verify`: a TOTP authenticator (RFC 6238) for your account, and the step-up
// check that critical actions need within the last 5 minutes.
import QRCode from "qrcode";
import { BulwarkError } from "../../core/errors.ts";
import type { Command } from "../command.ts";
import { prompterOf } from "./login.ts";
import { clientFor, DATA_DIR_HELP, DATA_DIR_OPTION, print } from "./shared.ts";

export const mfa: Command = {
  name: "mfa",
  summary: "Enrols a TOTP authenticator (QR code + one-time recovery codes) or passes a step-up MFA check.",
  usage: "bulwark mfa enroll | mfa verify   [--control-url URL | --data-dir DIR]",
  options: { ...DATA_DIR_OPTION },
  help: { ...DATA_DIR_HELP },
  positionals: { min: 1, max: 1 },
  async run(args, env) {
    const sub = args.positionals[0];
    const client = clientFor(args, env);
    const prompter = prompterOf(env);
    if (sub === "enroll") {
      // The server asks for the password again: a session alone must not be able to enrol a device.
      const password = await prompter.ask("password: ", { secret: true });
      if (!password) throw new BulwarkError("BWK_USAGE", "mfa enroll: no password given; nothing was changed");
      const { secret, uri } = await client.request<{ secret: string; uri: string }>("POST", "/v1/auth/mfa/enroll", { password });
      print(env.stdout, "scan this with your authenticator app (or add the key by hand):");
      print(env.stdout, await QRCode.toString(uri, { type: "terminal", small: true }));
      print(env.stdout, uri);
      print(env.stdout, `key: ${secret}`);
      const code = await prompter.ask("code shown by the app: ");
      if (!code) throw new BulwarkError("BWK_USAGE", "mfa enroll: no code given; nothing was changed (run it again)");
      const { recoveryCodes } = await client.request<{ recoveryCodes: string[] }>("POST", "/v1/auth/mfa/confirm", { code: code.trim() });
      print(env.stdout, "MFA enrolled. Recovery codes, each usable once if you lose the device (shown only now):");
      for (const c of recoveryCodes) print(env.stdout, `  ${c}`);
      return;
    }
    if (sub === "verify") {
      const code = await prompter.ask("TOTP or recovery code: ");
      if (!code) throw new BulwarkError("BWK_USAGE", "mfa verify: no code given");
      const result = await client.request<{ mfaAt: string; recoveryCodesLeft: number }>("POST", "/v1/auth/mfa/verify", { code: code.trim() });
      print(env.stdout, `MFA verified at ${result.mfaAt}: step-up actions are allowed for 5 minutes (${result.recoveryCodesLeft} recovery codes left)`);
      return;
    }
    throw new BulwarkError("BWK_USAGE", `mfa: unknown sub-command "${sub}" (enroll or verify)`);
  },
};

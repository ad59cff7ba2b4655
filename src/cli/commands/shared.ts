// Options and helpers shared by the commands that talk to a running platform.
import { resolve } from "node:path";
import type { ControlClient } from "../../control/client.ts";
import type { Env, Options, Parsed } from "../command.ts";
import { authenticatedClient } from "../credentials.ts";

export const DATA_DIR_OPTION: Options = {
  "data-dir": { type: "string" },
  "control-url": { type: "string" },
  "control-ca": { type: "string" },
  help: { type: "boolean", short: "h" },
};
export const DATA_DIR_HELP = {
  "data-dir": "the platform's data dir (default: $BULWARK_DATA_DIR, else ./.bulwark)",
  "control-url": "the control API to use instead of the data dir's (default: $BULWARK_CONTROL_URL)",
  "control-ca": "trust the https control API's certificate: sha256:FINGERPRINT (as `up` prints it) or a CA PEM file (default: $BULWARK_CONTROL_CA)",
};

export function dataDirOf(args: Parsed, env: Env, appDir?: string): string {
  const flag = args.values["data-dir"];
  if (typeof flag === "string") return resolve(env.cwd, flag);
  if (env.dataDir) return resolve(env.cwd, env.dataDir);
  return resolve(env.cwd, appDir ?? ".", ".bulwark");
}

/** A client signed in as the caller: see cli/credentials.ts for which credential is used. */
export function clientFor(args: Parsed, env: Env, appDir?: string): ControlClient {
  return authenticatedClient(args, env, () => dataDirOf(args, env, appDir));
}

export function print(stream: NodeJS.WritableStream, line = ""): void {
  stream.write(`${line}\n`);
}

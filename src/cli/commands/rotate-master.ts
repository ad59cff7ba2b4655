// `bulwark keys rotate-master`: every stored data key of every stage is rewrapped under a new master
// key, in one transaction per stage's database; secrets, KV values and objects themselves are not
// read or rewritten.
import { BulwarkError } from "../../core/errors.ts";
import type { ControlClient } from "../../control/client.ts";
import type { Env } from "../command.ts";
import { print } from "./shared.ts";

interface Rotation {
  oldKeyId: string;
  newKeyId: string;
  rewrapped: number;
  newKeyFile?: string;
}

export async function rotateMaster(env: Env, client: ControlClient, extra: string | undefined): Promise<void> {
  if (extra !== undefined) throw new BulwarkError("BWK_USAGE", `keys rotate-master: unexpected argument "${extra}"`);
  const r = await client.request<Rotation>("POST", "/v1/master-key/rotate");
  print(env.stdout, `rotated the master key ${r.oldKeyId} -> ${r.newKeyId}: ${r.rewrapped} data keys rewrapped`);
  if (r.newKeyFile !== undefined) {
    print(env.stderr, `the new master key is in ${r.newKeyFile}: start the platform with --master-key-file ${r.newKeyFile} (or its content in BULWARK_MASTER_KEY); the old key no longer opens the data. Back it up.`);
  } else {
    print(env.stderr, "back up the new master key (keys/master.key in the data dir) now");
  }
}

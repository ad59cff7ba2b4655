// SIEM webhook tokens at rest: sealed under the master key with the broker's envelope encryption
// (so `keys rotate-master` rewraps them and the master key is the only key to back up), bound to
// the sink's name so a token copied onto another sink's row does not open (CWE-639).
import { siemTokenContext } from "../broker/crypto/context.ts";
import type { Sealer } from "../broker/sealing.ts";
import type { TokenSealer } from "../security/siem/outbox.ts";

export function masterKeySiemTokenSealer(sealer: Pick<Sealer, "seal" | "open">): TokenSealer {
  return {
    seal: (sink, token) => sealer.seal(Buffer.from(token, "utf8"), siemTokenContext(sink)),
    open: (sink, sealed) => sealer.open(sealed, siemTokenContext(sink), `the webhook token of SIEM sink ${sink}`).toString("utf8"),
  };
}

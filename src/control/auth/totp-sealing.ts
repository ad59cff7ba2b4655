// TOTP secrets at rest: sealed under the master key with the broker's envelope encryption, bound
// to the user's name so a secret copied onto another user's row does not open (CWE-639).
import { totpContext } from "../../broker/crypto/context.ts";
import type { Sealer } from "../../broker/sealing.ts";
import type { TotpSealer } from "../../store/sqlite/users.ts";

/** `sealer` is asked at use, so the people store can exist before the master key is loaded. */
export function masterKeyTotpSealer(sealer: () => Pick<Sealer, "seal" | "open">): TotpSealer {
  return {
    seal: (user, secret) => sealer().seal(Buffer.from(secret, "utf8"), totpContext(user)),
    open: (user, sealed) => sealer().open(sealed, totpContext(user), `the TOTP secret of ${user}`).toString("utf8"),
  };
}

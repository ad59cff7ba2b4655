// Seals and opens values for the stores with the current master key, and turns a failed open
// into one error the broker reports as tampering (a swapped row, an edited file, a wrong key).
import { BulwarkError } from "../core/errors.ts";
import type { SealedValue } from "../store/sealed.ts";
import type { EncryptionContext } from "./crypto/context.ts";
import { openEnvelope, sealEnvelope } from "./crypto/envelope.ts";
import type { MasterKeyRing } from "./master-key-ring.ts";

export class Sealer {
  readonly #keys: MasterKeyRing;

  constructor(keys: MasterKeyRing) {
    this.#keys = keys;
  }

  seal(plaintext: Uint8Array, context: EncryptionContext): SealedValue {
    return sealEnvelope(this.#keys.current, plaintext, context);
  }

  /** Throws BWK_DECRYPT_FAILED (extra.tampered) when the value does not open under its context. */
  open(sealed: SealedValue, context: EncryptionContext, what: string): Buffer {
    try {
      return openEnvelope(this.#keys.current, sealed, context);
    } catch (e) {
      if (!(e instanceof BulwarkError)) throw e;
      throw new BulwarkError("BWK_DECRYPT_FAILED", `${what} failed its integrity check`, { extra: { tampered: true }, cause: e });
    }
  }
}

/** The app name every context binds; nothing can be stored before an app is deployed. */
export function requireApp(app: string | undefined): string {
  if (app === undefined || app === "") {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "no app is deployed yet; deploy it first (stored values are bound to the app's name)");
  }
  return app;
}

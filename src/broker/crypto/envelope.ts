// Envelope encryption for secrets, KV values and objects (NIST SP 800-57 key hierarchy): each
// value is encrypted with AES-256-GCM under its own fresh random 256-bit data key, and the data
// key is stored wrapped by the master key (master-key.ts). One data key per value, for every
// kind: no key table to keep in step with the data, no count of nonces per key to bound, and a
// leaked data key exposes one value. Rotating the master key rewraps the small wrapped keys and
// never reads or rewrites the data (`rewrap`).
//
// A sealed value is two byte strings, meant for two columns:
//   wrappedKey   the wrapped data key (master-key.ts, 69 bytes in v1)
//   ciphertext   format v1: [0] 0x01 ‖ 12-byte random nonce ‖ encrypted value ‖ 16-byte GCM tag
// AAD of the value: "bulwark:data:v1" ‖ the encryption context (context.ts). Both parts start
// with a format version byte, so a later format can be told apart and read.

import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from "node:crypto";
import { BulwarkError } from "../../core/errors.ts";
import type { EncryptionContext } from "./context.ts";
import { DATA_KEY_BYTES, type MasterKey, wrappingKeyId } from "./master-key.ts";

export interface Sealed {
  wrappedKey: Buffer;
  ciphertext: Buffer;
}

const FORMAT_V1 = 0x01;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Bytes a v1 ciphertext adds to its value. */
export const CIPHERTEXT_OVERHEAD = 1 + NONCE_BYTES + TAG_BYTES;
const DATA_AAD = Buffer.from("bulwark:data:v1", "utf8");

export function sealEnvelope(master: MasterKey, plaintext: Uint8Array, context: EncryptionContext): Sealed {
  const dataKey = randomBytes(DATA_KEY_BYTES);
  try {
    const nonce = randomBytes(NONCE_BYTES);
    // A KeyObject, not the Buffer: Node 24 spends ~100 µs importing a raw key on every cipher.
    const cipher = createCipheriv("aes-256-gcm", createSecretKey(dataKey), nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.concat([DATA_AAD, context]));
    const encrypted = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return {
      wrappedKey: master.wrapDataKey(dataKey),
      ciphertext: Buffer.concat([Buffer.of(FORMAT_V1), nonce, encrypted, cipher.getAuthTag()]),
    };
  } finally {
    dataKey.fill(0);
  }
}

/** Throws BWK_DECRYPT_FAILED if anything does not match: master key, wrapped key, context or bytes. */
export function openEnvelope(master: MasterKey, sealed: Sealed, context: EncryptionContext): Buffer {
  const { ciphertext } = sealed;
  if (ciphertext.length === 0 || ciphertext[0] !== FORMAT_V1) {
    throw new BulwarkError("BWK_DECRYPT_FAILED", `ciphertext has unknown format version ${ciphertext[0] ?? "(empty)"}`);
  }
  if (ciphertext.length < CIPHERTEXT_OVERHEAD) throw new BulwarkError("BWK_DECRYPT_FAILED", "ciphertext is truncated");
  const dataKey = master.dataKey(sealed.wrappedKey);
  try {
    const nonce = ciphertext.subarray(1, 1 + NONCE_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", dataKey, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([DATA_AAD, context]));
    decipher.setAuthTag(ciphertext.subarray(ciphertext.length - TAG_BYTES));
    const body = ciphertext.subarray(1 + NONCE_BYTES, ciphertext.length - TAG_BYTES);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new BulwarkError("BWK_DECRYPT_FAILED", "ciphertext failed authentication: altered, or stored under another context");
  }
}

/**
 * `keys rotate-master`: the same data key, wrapped by the new master key. The ciphertext is not
 * touched. A key already wrapped by `newMaster` is returned as it is, so a rotation that stopped
 * half-way can run again.
 */
export function rewrap(wrappedKey: Buffer, oldMaster: MasterKey, newMaster: MasterKey): Buffer {
  if (wrappingKeyId(wrappedKey) === newMaster.id) {
    newMaster.unwrapDataKey(wrappedKey).fill(0);
    return wrappedKey;
  }
  const dataKey = oldMaster.unwrapDataKey(wrappedKey);
  try {
    return newMaster.wrapDataKey(dataKey);
  } finally {
    dataKey.fill(0);
  }
}

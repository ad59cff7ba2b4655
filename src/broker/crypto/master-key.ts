// The master key: 32 bytes that wrap every data key and nothing else. The bytes live in a private
// field and never leave this class: logging, JSON and string conversion show only the key id.
//
// Wrapping is AES-256-GCM rather than AES key wrap (RFC 5649, `id-aes256-wrap-pad`):
// - it authenticates a header (format version and master key id) as AAD, so a wrapped key cannot
//   be relabelled, and data and key wrapping share one primitive and one code path to review;
// - its one hazard, nonce reuse under one key, is bounded by NIST SP 800-38D §8.3 at 2^32 random
//   96-bit nonces per key; a master key wraps one data key per stored value, and `keys
//   rotate-master` replaces it long before that.
//
// Wrapped data key, format v1 (69 bytes):
//   [0]      0x01 format version
//   [1..9)   master key id (first 8 bytes of HMAC-SHA256(master, "bulwark master key id"))
//   [9..21)  GCM nonce, random
//   [21..53) encrypted 32-byte data key
//   [53..69) GCM tag (16 bytes)
// AAD: "bulwark:dek:v1" ‖ bytes [0..9).

import { createCipheriv, createDecipheriv, createHmac, createSecretKey, type KeyObject, randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { BulwarkError } from "../../core/errors.ts";
import { DataKeyCache } from "./data-key-cache.ts";

export const MASTER_KEY_BYTES = 32;
export const DATA_KEY_BYTES = 32;
const FORMAT_V1 = 0x01;
const ID_BYTES = 8;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + ID_BYTES;
export const WRAPPED_KEY_BYTES = HEADER_BYTES + NONCE_BYTES + DATA_KEY_BYTES + TAG_BYTES;
const WRAP_AAD = Buffer.from("bulwark:dek:v1", "utf8");

/** The id of the master key that wrapped `wrapped`, or null if it is not a v1 wrapped key. */
export function wrappingKeyId(wrapped: Uint8Array): string | null {
  if (wrapped.length !== WRAPPED_KEY_BYTES || wrapped[0] !== FORMAT_V1) return null;
  return Buffer.from(wrapped.subarray(1, HEADER_BYTES)).toString("hex");
}

export class MasterKey {
  /** Hex fingerprint: names the key in wrapped data keys, logs and errors. Not secret. */
  readonly id: string;
  /** A KeyObject: ciphers built from it skip Node's per-call import of a raw key (~100 µs). */
  readonly #key: KeyObject;
  readonly #idBytes: Buffer;
  /** Data keys this key unwrapped recently, for reads (data-key-cache.ts says why that is safe). */
  readonly #opened = new DataKeyCache();

  constructor(bytes: Uint8Array) {
    if (bytes.length !== MASTER_KEY_BYTES) {
      throw new BulwarkError("BWK_INVALID_ARGUMENT", `a master key is ${MASTER_KEY_BYTES} bytes, not ${bytes.length}`);
    }
    const copy = Buffer.from(bytes);
    this.#key = createSecretKey(copy);
    copy.fill(0);
    this.#idBytes = createHmac("sha256", this.#key).update("bulwark master key id").digest().subarray(0, ID_BYTES);
    this.id = this.#idBytes.toString("hex");
  }

  static generate(): MasterKey {
    return new MasterKey(randomBytes(MASTER_KEY_BYTES));
  }

  wrapDataKey(dataKey: Uint8Array): Buffer {
    if (dataKey.length !== DATA_KEY_BYTES) throw new BulwarkError("BWK_INTERNAL", "a data key is 32 bytes");
    const header = Buffer.concat([Buffer.of(FORMAT_V1), this.#idBytes]);
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(Buffer.concat([WRAP_AAD, header]));
    const encrypted = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([header, nonce, encrypted, cipher.getAuthTag()]);
  }

  /** Throws BWK_DECRYPT_FAILED unless `wrapped` is a v1 wrapped key made by this master key. */
  unwrapDataKey(wrapped: Uint8Array): Buffer {
    if (wrapped.length === 0 || wrapped[0] !== FORMAT_V1) {
      throw new BulwarkError("BWK_DECRYPT_FAILED", `wrapped data key has unknown format version ${wrapped[0] ?? "(empty)"}`);
    }
    if (wrapped.length !== WRAPPED_KEY_BYTES) {
      throw new BulwarkError("BWK_DECRYPT_FAILED", `wrapped data key is ${wrapped.length} bytes, not ${WRAPPED_KEY_BYTES}`);
    }
    const record = Buffer.from(wrapped);
    const header = record.subarray(0, HEADER_BYTES);
    const wrappedBy = wrappingKeyId(record);
    if (wrappedBy !== this.id) {
      throw new BulwarkError(
        "BWK_DECRYPT_FAILED",
        `data key was wrapped by master key ${wrappedBy}, not by the loaded master key ${this.id}`,
      );
    }
    const nonce = record.subarray(HEADER_BYTES, HEADER_BYTES + NONCE_BYTES);
    const encrypted = record.subarray(HEADER_BYTES + NONCE_BYTES, WRAPPED_KEY_BYTES - TAG_BYTES);
    const decipher = createDecipheriv("aes-256-gcm", this.#key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.concat([WRAP_AAD, header]));
    decipher.setAuthTag(record.subarray(WRAPPED_KEY_BYTES - TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(encrypted), decipher.final()]);
    } catch {
      throw new BulwarkError("BWK_DECRYPT_FAILED", `wrapped data key failed authentication under master key ${this.id}`);
    }
  }

  /** The data key in `wrapped`, ready for a decipher; throws as unwrapDataKey does. */
  dataKey(wrapped: Uint8Array): KeyObject {
    return this.#opened.get(wrapped, () => {
      const raw = this.unwrapDataKey(wrapped);
      try {
        return createSecretKey(raw);
      } finally {
        raw.fill(0);
      }
    });
  }

  toString(): string {
    return `[MasterKey ${this.id}]`;
  }

  toJSON(): { masterKeyId: string } {
    return { masterKeyId: this.id };
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

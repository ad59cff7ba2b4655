// Time-based one-time passwords: TOTP (RFC 6238) on HOTP (RFC 4226), as authenticator apps speak
// them: HMAC-SHA-1, 30-second steps, 6 digits, one step of clock drift either way.

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { BulwarkError } from "../errors.ts";

export type TotpAlgorithm = "sha1" | "sha256" | "sha512";
export type TotpVerification = { ok: true; step: number } | { ok: false };

export const TOTP_STEP_SECONDS = 30;
export const TOTP_DIGITS = 6;
/** Steps accepted either side of now (RFC 6238 §5.2 recommends at most one for network delay). */
export const TOTP_WINDOW_STEPS = 1;
/** RFC 4226 §4 R6 requires 128 bits and recommends 160; we generate 160. */
const SECRET_BYTES = 20;
const MIN_SECRET_BYTES = 16;
const ALGORITHMS: readonly string[] = ["sha1", "sha256", "sha512"];
const BASE32_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const MAX_LABEL_LENGTH = 256;

/** A fresh shared secret, base32 without padding, ready for otpauthUri and storage. */
export function generateTotpSecret(): string {
  return base32Encode(randomBytes(SECRET_BYTES));
}

/** RFC 4648 §6 base32, upper case, without "=" padding (what otpauth:// URIs carry). */
export function base32Encode(bytes: Uint8Array): string {
  let out = "";
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += BASE32_ALPHABET.charAt((buffer >>> bits) & 31);
    }
  }
  if (bits > 0) out += BASE32_ALPHABET.charAt((buffer << (5 - bits)) & 31);
  return out;
}

/**
 * Strict RFC 4648 §6 base32 without padding: only A-Z and 2-7, no lengths that cannot come from
 * whole bytes, and the unused trailing bits must be zero (§3.5) so every secret has one spelling.
 */
export function base32Decode(text: string): Uint8Array {
  if (typeof text !== "string" || !/^[A-Z2-7]*$/.test(text) || [1, 3, 6].includes(text.length % 8)) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "not an unpadded upper-case base32 string (RFC 4648)");
  }
  const out = new Uint8Array(Math.floor((text.length * 5) / 8));
  let buffer = 0;
  let bits = 0;
  let index = 0;
  for (const char of text) {
    buffer = ((buffer << 5) | BASE32_ALPHABET.indexOf(char)) & 0x1fff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[index++] = (buffer >>> bits) & 0xff;
    }
  }
  if ((buffer & ((1 << bits) - 1)) !== 0) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "base32 string has non-zero trailing bits (RFC 4648 §3.5)");
  }
  return out;
}

/** HOTP value for one counter (RFC 4226 §5.3): HMAC, dynamic truncation, modulo 10^digits. */
export function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS, algo: TotpAlgorithm = "sha1"): string {
  if (!Number.isSafeInteger(counter) || counter < 0) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "HOTP counter must be a non-negative integer");
  }
  // RFC 4226 §5.3 R4 asks for at least 6 digits; past 8 the 31-bit value no longer fills the code.
  if (!Number.isInteger(digits) || digits < 6 || digits > 8) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "OTP length must be 6, 7 or 8 digits");
  }
  if (!ALGORITHMS.includes(algo)) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "OTP algorithm must be sha1, sha256 or sha512");
  }
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(algo, secret).update(message).digest();
  const offset = mac.readUInt8(mac.length - 1) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, "0");
}

/** The RFC 6238 §4.2 time step T = floor(unix seconds / 30) for a time in milliseconds. */
export function totpStep(timeMs: number): number {
  if (!Number.isFinite(timeMs) || timeMs < 0) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "time must be a non-negative number of milliseconds");
  }
  return Math.floor(timeMs / (TOTP_STEP_SECONDS * 1000));
}

/** The TOTP code at a given time (RFC 6238 §4). */
export function totpCode(secretBytes: Uint8Array, timeMs: number, digits = TOTP_DIGITS, algo: TotpAlgorithm = "sha1"): string {
  return hotp(secretBytes, totpStep(timeMs), digits, algo);
}

/**
 * Checks a 6-digit code typed by a user against the steps around now. On success the caller must
 * store the returned step and pass it back as lastUsedStep: a step at or before it is refused, so a
 * code seen over a shoulder or in a log cannot be used twice (RFC 6238 §5.2). A malformed or
 * too-short stored secret throws: that is a platform fault, not a wrong code.
 */
export function verifyTotp(secretBase32: string, code: string, nowMs: number, lastUsedStep?: number | null): TotpVerification {
  if (lastUsedStep !== undefined && lastUsedStep !== null && !Number.isSafeInteger(lastUsedStep)) {
    // Fail closed: NaN would make every "step <= lastUsedStep" comparison false and allow replays.
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "last used TOTP step must be an integer");
  }
  const secret = base32Decode(secretBase32);
  if (secret.length < MIN_SECRET_BYTES) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", "TOTP secret is shorter than 128 bits (RFC 4226 §4)");
  }
  const current = totpStep(nowMs);
  if (typeof code !== "string" || !/^[0-9]{6}$/.test(code)) return { ok: false };
  const given = Buffer.from(code, "ascii");
  let matched = -1;
  // Every candidate is computed and compared in constant time (CWE-208), with no early exit.
  for (let step = current - TOTP_WINDOW_STEPS; step <= current + TOTP_WINDOW_STEPS; step++) {
    if (step < 0) continue;
    const expected = Buffer.from(hotp(secret, step), "ascii");
    if (timingSafeEqual(expected, given) && step > matched) matched = step;
  }
  if (matched < 0) return { ok: false };
  if (lastUsedStep !== undefined && lastUsedStep !== null && matched <= lastUsedStep) return { ok: false };
  return { ok: true, step: matched };
}

/**
 * The otpauth:// URI an authenticator app scans (Google Authenticator "Key Uri Format"): the label
 * is "issuer:account", each part percent-encoded, and the issuer is repeated as a parameter.
 */
export function otpauthUri(options: { issuer?: string; account: string; secret: string }): string {
  const issuer = options.issuer ?? "Bulwark";
  checkLabelPart("issuer", issuer);
  checkLabelPart("account", options.account);
  base32Decode(options.secret);
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(options.account)}`;
  return (
    `otpauth://totp/${label}?secret=${options.secret}&issuer=${encodeURIComponent(issuer)}` +
    `&algorithm=SHA1&digits=${TOTP_DIGITS}&period=${TOTP_STEP_SECONDS}`
  );
}

function checkLabelPart(name: string, value: string): void {
  // The format forbids a colon inside issuer or account: it is the separator between them.
  if (
    typeof value !== "string" ||
    value.length === 0 ||
    value.length > MAX_LABEL_LENGTH ||
    value.includes(":") ||
    !value.isWellFormed()
  ) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `otpauth ${name} must be 1-${MAX_LABEL_LENGTH} characters without ":"`);
  }
}

// Passwords: scrypt (RFC 7914) with a per-user random salt, stored in a self-describing form
// "scrypt$N$r$p$salt$hash" (base64url) so parameters can be raised later without breaking old rows.

import { randomBytes, randomInt, scrypt, timingSafeEqual } from "node:crypto";
import { BulwarkError } from "../errors.ts";

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

export type PasswordPolicyViolation = "too-short" | "too-long" | "single-character" | "malformed";
export type PasswordPolicyResult = { ok: true } | { ok: false; reason: PasswordPolicyViolation; message: string };

/**
 * N = 2^15, r = 8, p = 1 takes about 95 ms on this project's machines. That is below OWASP's
 * 2^17 but inside the 50-100 ms budget a login may spend; stored rows carry their own parameters,
 * so raising these later only needs needsRehash at the next successful login.
 */
export const SCRYPT_PARAMS: Readonly<ScryptParams> = Object.freeze({ N: 2 ** 15, r: 8, p: 1 });
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 256;

const SALT_BYTES = 16;
const KEY_BYTES = 32;
/**
 * Limits on parameters read back from storage: a tampered row must not make one login cost
 * seconds or gigabytes (CWE-400). N*r*p is the work; 2^17 * 8 is about 0.4 s here.
 */
const LIMITS = { minN: 2 ** 14, maxN: 2 ** 17, maxR: 16, maxP: 4, maxWork: 2 ** 17 * 8, minBytes: 16, maxBytes: 64 };
const MAX_ENCODED_LENGTH = 512;
/** Code points before normalization that cannot normalize down to an allowed length. */
const MAX_RAW_LENGTH = MAX_PASSWORD_LENGTH * 4;
const GENERATED_LENGTH = 24;
/** No 0/O, 1/l/I: the admin credential is read off a terminal and typed. 24 of 56 = 139 bits. */
const GENERATED_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
/** Salt for the decoy derivation done when there is no valid stored hash. */
const DECOY_SALT = Buffer.alloc(SALT_BYTES);

/**
 * Checks a password a person chose (NIST SP 800-63B §5.1.1.2: length over composition rules).
 * Length counts Unicode code points after NFKC, the same text that is hashed.
 */
export function checkPasswordPolicy(password: string): PasswordPolicyResult {
  if (typeof password !== "string" || !password.isWellFormed() || password.length > MAX_RAW_LENGTH) {
    return violation("malformed", "the password is not valid text");
  }
  const codePoints = [...normalize(password)];
  if (codePoints.length < MIN_PASSWORD_LENGTH) {
    return violation("too-short", `the password must be at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  if (codePoints.length > MAX_PASSWORD_LENGTH) {
    return violation("too-long", `the password must be at most ${MAX_PASSWORD_LENGTH} characters`);
  }
  if (codePoints.every((c) => c === codePoints[0])) {
    return violation("single-character", "the password must not repeat one character");
  }
  return { ok: true };
}

/** Hashes a password for storage. Policy is the caller's check; only unusable input throws. */
export async function hashPassword(password: string): Promise<string> {
  if (!isHashable(password)) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `a password must be 1-${MAX_PASSWORD_LENGTH} characters of valid text`);
  }
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, SCRYPT_PARAMS, KEY_BYTES);
  const { N, r, p } = SCRYPT_PARAMS;
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

/**
 * True only if the password matches the stored encoding. Never throws: a malformed, tampered or
 * empty encoding is just false. It still costs one derivation at the current parameters, so a
 * caller can pass "" for an unknown user and the response time does not reveal which accounts
 * exist (CWE-204, CWE-208).
 */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const stored = parseEncoded(encoded);
  if (stored === null || !isHashable(password)) {
    await derive(typeof password === "string" ? password.slice(0, MAX_RAW_LENGTH) : "", DECOY_SALT, SCRYPT_PARAMS, KEY_BYTES);
    return false;
  }
  const key = await derive(password, stored.salt, stored, stored.hash.length);
  return timingSafeEqual(key, stored.hash);
}

/** True when a stored hash should be replaced after the next successful login. */
export function needsRehash(encoded: string): boolean {
  const stored = parseEncoded(encoded);
  return (
    stored === null ||
    stored.N !== SCRYPT_PARAMS.N ||
    stored.r !== SCRYPT_PARAMS.r ||
    stored.p !== SCRYPT_PARAMS.p ||
    stored.salt.length !== SALT_BYTES ||
    stored.hash.length !== KEY_BYTES
  );
}

/** A random password for the one-time admin credential; it always passes checkPasswordPolicy. */
export function generatePassword(): string {
  let out = "";
  // randomInt draws uniformly (no modulo bias).
  for (let i = 0; i < GENERATED_LENGTH; i++) out += GENERATED_ALPHABET.charAt(randomInt(GENERATED_ALPHABET.length));
  return out;
}

interface StoredHash extends ScryptParams {
  salt: Buffer;
  hash: Buffer;
}

function parseEncoded(encoded: string): StoredHash | null {
  if (typeof encoded !== "string" || encoded.length > MAX_ENCODED_LENGTH) return null;
  const parts = encoded.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return null;
  const [N, r, p] = parts.slice(1, 4).map(parseCount);
  const salt = parseBase64url(parts[4]);
  const hash = parseBase64url(parts[5]);
  if (N === undefined || r === undefined || p === undefined || salt === null || hash === null) return null;
  const powerOfTwo = (N & (N - 1)) === 0;
  if (!powerOfTwo || N < LIMITS.minN || N > LIMITS.maxN || r > LIMITS.maxR || p > LIMITS.maxP) return null;
  if (N * r * p > LIMITS.maxWork) return null;
  if (!inByteRange(salt) || !inByteRange(hash)) return null;
  return { N, r, p, salt, hash };
}

function parseCount(text: string | undefined): number | undefined {
  return text !== undefined && /^[1-9][0-9]{0,6}$/.test(text) ? Number(text) : undefined;
}

function parseBase64url(text: string | undefined): Buffer | null {
  if (text === undefined || !/^[A-Za-z0-9_-]+$/.test(text)) return null;
  const bytes = Buffer.from(text, "base64url");
  // Only the canonical spelling is accepted, so one hash has one encoding.
  return bytes.toString("base64url") === text ? bytes : null;
}

function inByteRange(bytes: Buffer): boolean {
  return bytes.length >= LIMITS.minBytes && bytes.length <= LIMITS.maxBytes;
}

function isHashable(password: string): boolean {
  if (typeof password !== "string" || !password.isWellFormed() || password.length > MAX_RAW_LENGTH) return false;
  const length = [...normalize(password)].length;
  return length >= 1 && length <= MAX_PASSWORD_LENGTH;
}

/** NFKC so the same password typed on different keyboards hashes the same (SP 800-63B §5.1.1.2). */
function normalize(password: string): string {
  return password.normalize("NFKC");
}

function derive(password: string, salt: Buffer, params: ScryptParams, keyBytes: number): Promise<Buffer> {
  const { N, r, p } = params;
  // Node's default maxmem (32 MiB) is below the 128*N*r bytes scrypt needs at N=2^15, r=8.
  const maxmem = 256 * N * r;
  return new Promise((resolve, reject) => {
    scrypt(normalize(password), salt, keyBytes, { N, r, p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

function violation(reason: PasswordPolicyViolation, message: string): PasswordPolicyResult {
  return { ok: false, reason, message };
}

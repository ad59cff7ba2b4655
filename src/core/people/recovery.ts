// One-time recovery codes: what a user types when their authenticator is lost. Each code is 80
// random bits written as four groups of four Crockford base32 characters, e.g. "7kq2-m9xd-4t8v-0pzc".

import { createHash, randomInt } from "node:crypto";
import { BulwarkError } from "../errors.ts";

/**
 * Crockford's base32 alphabet: no i, l, o or u, so nothing reads as another character; when
 * normalizing, o is read as 0 and i or l as 1, the way Crockford specifies.
 */
const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";
const GROUPS = 4;
const GROUP_LENGTH = 4;
const CODE_LENGTH = GROUPS * GROUP_LENGTH;
const MAX_CODES = 100;
/** Longer input is not a code with stray spaces; refuse it before doing any work. */
const MAX_INPUT_LENGTH = 64;
const CANONICAL = new RegExp(`^[${ALPHABET}]{${CODE_LENGTH}}$`);

/** A fresh set of codes to show the user once; store only their hashRecoveryCode values. */
export function generateRecoveryCodes(count = 10): string[] {
  if (!Number.isInteger(count) || count < 1 || count > MAX_CODES) {
    throw new BulwarkError("BWK_INVALID_ARGUMENT", `recovery code count must be 1-${MAX_CODES}`);
  }
  return Array.from({ length: count }, generateRecoveryCode);
}

function generateRecoveryCode(): string {
  let raw = "";
  // randomInt is uniform (no modulo bias): 16 characters of 5 bits = 80 bits per code.
  for (let i = 0; i < CODE_LENGTH; i++) raw += ALPHABET.charAt(randomInt(ALPHABET.length));
  return group(raw);
}

/**
 * The canonical "xxxx-xxxx-xxxx-xxxx" form of what a user typed, or null if it cannot be a code.
 * Case, spaces and hyphens do not matter; o, i and l are read as 0, 1 and 1.
 */
export function normalizeRecoveryCode(input: string): string | null {
  if (typeof input !== "string" || input.length > MAX_INPUT_LENGTH) return null;
  const raw = input
    .replace(/[\s-]/g, "")
    .toLowerCase()
    .replace(/o/g, "0")
    .replace(/[il]/g, "1");
  return CANONICAL.test(raw) ? group(raw) : null;
}

/**
 * The value to store and look up. Plain SHA-256 is enough here, unlike for passwords: a slow,
 * salted KDF exists to stop offline guessing of low-entropy human choices, and these codes are 80
 * uniformly random bits, so even a leaked table cannot be searched (2^80 hashes per code).
 * A fast hash also lets the store look a code up by its hash instead of trying each one.
 */
export function hashRecoveryCode(code: string): string {
  const normalized = normalizeRecoveryCode(code);
  if (normalized === null) throw new BulwarkError("BWK_INVALID_ARGUMENT", "not a recovery code");
  return createHash("sha256").update(normalized, "ascii").digest("hex");
}

function group(raw: string): string {
  const parts: string[] = [];
  for (let i = 0; i < raw.length; i += GROUP_LENGTH) parts.push(raw.slice(i, i + GROUP_LENGTH));
  return parts.join("-");
}

// Opaque bearer tokens: "<prefix>_<32 random bytes, base64url>". The prefix says what a token is
// when it turns up in a log or a leaked file, and lets secret scanners recognise it.

import { createHash, randomBytes } from "node:crypto";
import { BulwarkError } from "../errors.ts";

/** bws: console/CLI session; bwci: CI deploy token; bwk: API key for calling functions. */
export const TOKEN_PREFIXES = ["bws", "bwci", "bwk"] as const;
export type TokenPrefix = (typeof TOKEN_PREFIXES)[number];

const TOKEN_BYTES = 32;
/** 32 bytes are 43 base64url characters without padding. */
const TOKEN_SHAPE = /^(bws|bwci|bwk)_[A-Za-z0-9_-]{43}$/;

export function generateToken(prefix: TokenPrefix): string {
  if (!TOKEN_PREFIXES.includes(prefix)) throw new BulwarkError("BWK_INVALID_ARGUMENT", "unknown token prefix");
  return `${prefix}_${randomBytes(TOKEN_BYTES).toString("base64url")}`;
}

/**
 * The value to store and look up. A fast unsalted hash is right for 256 random bits: nothing can
 * be guessed offline, and a lookup by hash needs the same hash for the same token. Only the hash
 * is stored, so a database leak yields no usable token.
 */
export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/** The kind of a well-formed token, or null for anything else (check this before a lookup). */
export function tokenPrefixOf(token: string): TokenPrefix | null {
  if (typeof token !== "string" || !TOKEN_SHAPE.test(token)) return null;
  return token.slice(0, token.indexOf("_")) as TokenPrefix;
}

import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { TOKEN_PREFIXES, generateToken, hashToken, tokenPrefixOf, type TokenPrefix } from "../../../src/core/people/tokens.ts";

describe("generateToken", () => {
  for (const prefix of TOKEN_PREFIXES) {
    it(`makes ${prefix}_ followed by 32 random bytes in base64url`, () => {
      const token = generateToken(prefix);
      assert.match(token, new RegExp(`^${prefix}_[A-Za-z0-9_-]{43}$`));
      assert.equal(Buffer.from(token.slice(prefix.length + 1), "base64url").length, 32);
      assert.notEqual(generateToken(prefix), token);
    });
  }

  it("refuses an unknown prefix from an untyped caller", () => {
    assert.throws(() => generateToken("ghp" as TokenPrefix), { code: "BWK_INVALID_ARGUMENT" });
  });
});

describe("hashToken", () => {
  it("is the SHA-256 hex of the whole token", () => {
    const token = generateToken("bwk");
    assert.equal(hashToken(token), createHash("sha256").update(token).digest("hex"));
    assert.match(hashToken(token), /^[0-9a-f]{64}$/);
  });

  it("binds the prefix: the same random part under another prefix hashes differently", () => {
    const token = generateToken("bwk");
    assert.notEqual(hashToken(token), hashToken(`bws${token.slice(3)}`));
  });
});

describe("tokenPrefixOf", () => {
  it("returns the prefix of each kind of well-formed token", () => {
    for (const prefix of TOKEN_PREFIXES) assert.equal(tokenPrefixOf(generateToken(prefix)), prefix);
  });

  it("handles random parts that themselves contain underscores", () => {
    assert.equal(tokenPrefixOf(`bwci_${"_".repeat(43)}`), "bwci");
  });

  it("returns null for malformed, truncated, padded or foreign tokens", () => {
    const body = generateToken("bws").slice(4);
    const bad = [
      "",
      "bws",
      "bws_",
      `bws_${body.slice(1)}`,
      `bws_${body}A`,
      `bws_${body}=`,
      `bws_${body.slice(1)}+`,
      `BWS_${body}`,
      `bwx_${body}`,
      `bws-${body}`,
      ` bws_${body}`,
      `bws_${body}\n`,
      `Bearer bws_${body}`,
      `ghp_${body}`,
    ];
    for (const token of bad) assert.equal(tokenPrefixOf(token), null, JSON.stringify(token));
    assert.equal(tokenPrefixOf(undefined as unknown as string), null);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { MAX_TOKEN_LENGTH, readCredential } from "../../../src/core/auth/credentials.ts";

const KEY = `bwk_${"A".repeat(43)}`;

describe("readCredential", () => {
  it("reads a bearer token, whatever the scheme's case", () => {
    for (const header of [`Bearer ${KEY}`, `bearer ${KEY}`, `BEARER  ${KEY}`]) {
      assert.deepEqual(readCredential(["Authorization", header], { apiKeyHeader: true }), { kind: "token", token: KEY, from: "authorization" });
    }
  });

  it("reads X-Api-Key only where API keys are accepted", () => {
    assert.deepEqual(readCredential(["X-Api-Key", KEY], { apiKeyHeader: true }), { kind: "token", token: KEY, from: "x-api-key" });
    assert.deepEqual(readCredential(["X-Api-Key", KEY], { apiKeyHeader: false }), { kind: "none" });
  });

  it("says none when no credential is present or it is empty", () => {
    assert.deepEqual(readCredential(["Host", "x", "Cookie", "a=b"], { apiKeyHeader: true }), { kind: "none" });
    assert.deepEqual(readCredential(["X-Api-Key", "  "], { apiKeyHeader: true }), { kind: "none" });
  });

  it("refuses two credentials instead of letting one win (a smuggled second key or token)", () => {
    const twoAuth = ["Authorization", `Bearer ${KEY}`, "authorization", "Bearer other"];
    assert.equal(readCredential(twoAuth, { apiKeyHeader: false }).kind, "malformed");
    assert.equal(readCredential(["Authorization", `Bearer ${KEY}`, "X-Api-Key", KEY], { apiKeyHeader: true }).kind, "malformed");
    assert.equal(readCredential(["X-Api-Key", KEY, "x-api-key", KEY], { apiKeyHeader: true }).kind, "malformed");
  });

  it("refuses other schemes, tokens with foreign characters and oversized tokens", () => {
    for (const header of ["Basic dXNlcjpwYXNz", "Bearer", "Bearer a b", `Token ${KEY}`, "Bearer a\"b", "Bearer é"]) {
      assert.equal(readCredential(["Authorization", header], { apiKeyHeader: false }).kind, "malformed", header);
    }
    assert.equal(readCredential(["Authorization", `Bearer ${"a".repeat(MAX_TOKEN_LENGTH + 1)}`], { apiKeyHeader: false }).kind, "malformed");
    assert.equal(readCredential(["X-Api-Key", "key with spaces"], { apiKeyHeader: true }).kind, "malformed");
  });
});

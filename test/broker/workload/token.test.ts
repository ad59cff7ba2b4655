// The workload token verifier, attacked with captured, replayed, forged, re-aimed, expired and
// altered tokens. Each must be refused with BWK_UNAUTHORIZED before anything of the callee runs.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { SignJWT, UnsecuredJWT, decodeJwt } from "jose";
import { loadOrCreateWorkloadKey, WORKLOAD_KEY_FILE } from "../../../src/broker/workload/signing-key.ts";
import { WORKLOAD_TOKEN_TTL_SECONDS, WorkloadTokens } from "../../../src/broker/workload/token.ts";
import { FunctionCalls } from "../../../src/broker/workload/calls.ts";

const dir = mkdtempSync(join(tmpdir(), "bulwark-workload-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const key = loadOrCreateWorkloadKey(join(dir, "keys"));

function refused(reason: string) {
  return (e: unknown) => {
    assert.equal((e as { code?: string }).code, "BWK_UNAUTHORIZED");
    assert.equal((e as { extra: Record<string, unknown> }).extra["reason"], reason);
    return true;
  };
}

describe("workload tokens", () => {
  it("carry caller, audience and a jti, live at most 60 s, and verify once for the callee", async () => {
    const tokens = new WorkloadTokens(key);
    const token = await tokens.mint({ caller: "checkout", callee: "fraud-score", depth: 1 });
    const claims = decodeJwt(token);
    assert.equal(claims.sub, "function:checkout");
    assert.equal(claims.aud, "function:fraud-score");
    assert.equal(typeof claims.jti, "string");
    assert.ok((claims.exp ?? 0) - (claims.iat ?? 0) <= 60);
    assert.equal(claims["depth"], 1);
    assert.deepEqual(await tokens.verify(token, "fraud-score"), { caller: "checkout", callee: "fraud-score", depth: 1 });
  });

  it("refuses a captured token replayed a second time", async () => {
    const tokens = new WorkloadTokens(key);
    const token = await tokens.mint({ caller: "checkout", callee: "fraud-score", depth: 1 });
    await tokens.verify(token, "fraud-score");
    await assert.rejects(tokens.verify(token, "fraud-score"), refused("replayed"));
  });

  it("refuses a token presented to another function than its audience", async () => {
    const tokens = new WorkloadTokens(key);
    const token = await tokens.mint({ caller: "checkout", callee: "fraud-score", depth: 1 });
    await assert.rejects(tokens.verify(token, "payouts"), refused("claim-aud"));
  });

  it("refuses a token signed by another key (forged)", async () => {
    const other = generateKeyPairSync("ed25519").privateKey;
    const forged = await new SignJWT({})
      .setProtectedHeader({ alg: "EdDSA", typ: "bwk-workload+jwt" })
      .setIssuer("bulwark:platform")
      .setSubject("function:admin-tools")
      .setAudience("function:fraud-score")
      .setIssuedAt()
      .setExpirationTime("30s")
      .setJti("forged-1")
      .sign(other);
    await assert.rejects(new WorkloadTokens(key).verify(forged, "fraud-score"), refused("bad-signature"));
  });

  it("refuses an unsigned token (alg none)", async () => {
    const unsigned = new UnsecuredJWT({ jti: "x" }).setIssuer("bulwark:platform").setSubject("function:a").setAudience("function:b").setIssuedAt().setExpirationTime("30s").encode();
    await assert.rejects(new WorkloadTokens(key).verify(unsigned, "b"), refused("malformed"));
  });

  it("refuses a token whose claims were altered after signing", async () => {
    const tokens = new WorkloadTokens(key);
    const [header, , signature] = (await tokens.mint({ caller: "checkout", callee: "fraud-score", depth: 1 })).split(".");
    const claims = { iss: "bulwark:platform", sub: "function:admin-tools", aud: "function:fraud-score", iat: 1, exp: 9_999_999_999, jti: "x" };
    const altered = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
    await assert.rejects(tokens.verify(altered, "fraud-score"), refused("bad-signature"));
  });

  it("refuses an expired token", async () => {
    let now = Date.parse("2030-01-01T00:00:00Z");
    const tokens = new WorkloadTokens(key, { clock: () => now });
    const token = await tokens.mint({ caller: "checkout", callee: "fraud-score", depth: 1 });
    now += (WORKLOAD_TOKEN_TTL_SECONDS + 1) * 1000;
    await assert.rejects(tokens.verify(token, "fraud-score"), refused("expired"));
  });

  it("refuses a token with another type, such as a user's access token signed by the same key", async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: "EdDSA", typ: "JWT" })
      .setIssuer("bulwark:platform")
      .setSubject("function:checkout")
      .setAudience("function:fraud-score")
      .setIssuedAt()
      .setExpirationTime("30s")
      .setJti("typ-1")
      .sign(key.privateKey);
    await assert.rejects(new WorkloadTokens(key).verify(token, "fraud-score"), refused("claim-typ"));
  });

  it("refuses a token without a call depth, or with one that is not a positive integer", async () => {
    const signed = (claims: Record<string, unknown>, jti: string) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: "EdDSA", typ: "bwk-workload+jwt" })
        .setIssuer("bulwark:platform")
        .setSubject("function:checkout")
        .setAudience("function:fraud-score")
        .setIssuedAt()
        .setExpirationTime("30s")
        .setJti(jti)
        .sign(key.privateKey);
    const tokens = new WorkloadTokens(key);
    await assert.rejects(tokens.verify(await signed({}, "depth-missing"), "fraud-score"), refused("claim-depth"));
    for (const [i, depth] of [0, -1, 1.5, "1"].entries()) {
      await assert.rejects(tokens.verify(await signed({ depth }, `depth-bad-${i}`), "fraud-score"), refused("claims"));
    }
  });

  it("refuses garbage and oversized input without parsing it", async () => {
    const tokens = new WorkloadTokens(key);
    for (const bad of [undefined, 42, "", "a.b.c", "x".repeat(5000)]) await assert.rejects(tokens.verify(bad, "b"), { code: "BWK_UNAUTHORIZED" });
  });

  it("fails closed when the replay cache is full of unexpired ids", async () => {
    const tokens = new WorkloadTokens(key, { replayCacheSize: 2 });
    for (let i = 0; i < 2; i++) await tokens.verify(await tokens.mint({ caller: "a", callee: "b", depth: 1 }), "b");
    await assert.rejects(tokens.verify(await tokens.mint({ caller: "a", callee: "b", depth: 1 }), "b"), { code: "BWK_OVERLOADED" });
  });
});

describe("FunctionCalls", () => {
  const deadline = Date.parse("2030-01-01T00:00:00Z");
  const recording = (runs: unknown[], maxDepth = 8) =>
    new FunctionCalls(
      new WorkloadTokens(key),
      async (fn, payload, invocation) => {
        runs.push({ fn, payload, invocation });
        return "done";
      },
      maxDepth,
    );

  it("runs the callee one hop deeper, by its caller's deadline, with the verified caller and no end-user identity", async () => {
    const runs: unknown[] = [];
    const from = { requestId: "req-1", depth: 0, deadline };
    assert.equal(await recording(runs).call({ caller: "checkout", callee: "fraud-score", tenant: "t1" }, { amount: 5 }, from), "done");
    assert.deepEqual(runs, [
      { fn: "fraud-score", payload: { amount: 5 }, invocation: { requestId: "req-1", caller: { function: "checkout" }, depth: 1, deadline, tenant: "t1" } },
    ]);
  });

  it("refuses a call that would nest past the depth limit with LimitExceeded, before anything runs", async () => {
    const runs: unknown[] = [];
    const calls = recording(runs, 3);
    assert.equal(await calls.call({ caller: "a", callee: "b" }, {}, { requestId: "req-5", depth: 2, deadline }), "done");
    await assert.rejects(calls.call({ caller: "b", callee: "a" }, {}, { requestId: "req-5", depth: 3, deadline }), (e: unknown) => {
      assert.equal((e as { code?: string }).code, "BWK_LIMIT_EXCEEDED");
      assert.deepEqual((e as { extra: Record<string, unknown> }).extra, { reason: "invoke-depth", depth: 4, limit: 3 });
      return true;
    });
    assert.equal(runs.length, 1);
  });

  it("refuses on the callee's side a token whose signed depth is past the limit (minted under a higher one)", async () => {
    const runs: unknown[] = [];
    const token = await new WorkloadTokens(key).mint({ caller: "a", callee: "b", depth: 9 });
    await assert.rejects(recording(runs).accept(token, "b", {}, { requestId: "req-6", deadline }), { code: "BWK_LIMIT_EXCEEDED" });
    assert.equal(runs.length, 0);
  });

  it("never runs the callee for a token that does not verify", async () => {
    const runs: unknown[] = [];
    const calls = recording(runs);
    const token = await new WorkloadTokens(key).mint({ caller: "checkout", callee: "fraud-score", depth: 1 });
    await assert.rejects(calls.accept(token, "payouts", {}, { requestId: "req-2", deadline }), { code: "BWK_UNAUTHORIZED" });
    await calls.accept(token, "fraud-score", {}, { requestId: "req-3", deadline });
    await assert.rejects(calls.accept(token, "fraud-score", {}, { requestId: "req-4", deadline }), { code: "BWK_UNAUTHORIZED" });
    assert.equal(runs.length, 1);
  });
});

describe("the workload signing key", () => {
  it("is created once with mode 0600 and loaded again", () => {
    const keys = join(dir, "keys2");
    const first = loadOrCreateWorkloadKey(keys);
    assert.equal(statSync(join(keys, WORKLOAD_KEY_FILE)).mode & 0o777, 0o600);
    assert.ok(loadOrCreateWorkloadKey(keys).publicKey.equals(first.publicKey));
  });

  it("is refused when readable by others or reached through a symlink", () => {
    const loose = join(dir, "keys3");
    loadOrCreateWorkloadKey(loose);
    chmodSync(join(loose, WORKLOAD_KEY_FILE), 0o644);
    assert.throws(() => loadOrCreateWorkloadKey(loose), { code: "BWK_INVALID_ARGUMENT" });
    const target = join(dir, "keys4");
    loadOrCreateWorkloadKey(target);
    const linked = join(dir, "keys5");
    mkdirSync(linked, { mode: 0o700 });
    symlinkSync(join(target, WORKLOAD_KEY_FILE), join(linked, WORKLOAD_KEY_FILE));
    assert.throws(() => loadOrCreateWorkloadKey(linked), { code: "BWK_INVALID_ARGUMENT" });
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addUser, code, enrol, FACTS, peopleFixture, signIn, type Fixture } from "./fixture.ts";
import type { Principal } from "../../../src/control/auth/principal.ts";

type Person = Extract<Principal, { kind: "user" }>;

async function operator(f: Fixture): Promise<{ person: Person; secret: string; recoveryCodes: string[]; password: string }> {
  const password = await addUser(f, "olga", ["operator"]);
  const { principal } = await signIn(f, "olga", password);
  const { secret, recoveryCodes } = enrol(f, principal);
  return { person: principal as Person, secret, recoveryCodes, password };
}

function refusedWith(fn: () => unknown, code: string) {
  assert.throws(fn, (e: { code?: string }) => e.code === code);
}

describe("MfaService", () => {
  it("enrols with an otpauth URI, confirms with a code and hands out ten recovery codes once", async () => {
    const f = peopleFixture();
    const password = await addUser(f, "olga", ["operator"]);
    const { principal } = await signIn(f, "olga", password);
    const person = principal as Person;
    const { secret, uri } = f.people.mfa.enroll(person);
    assert.match(uri, /^otpauth:\/\/totp\/Bulwark:olga\?secret=[A-Z2-7]{32}&issuer=Bulwark&algorithm=SHA1&digits=6&period=30$/);
    refusedWith(() => f.people.mfa.confirm(person, "12345"), "BWK_MFA_REQUIRED");
    assert.equal(f.people.accounts.list()[0]!.mfaEnrolled, false);
    const { recoveryCodes } = f.people.mfa.confirm(person, code(f, secret));
    assert.equal(recoveryCodes.length, 10);
    assert.equal(f.people.accounts.list()[0]!.mfaEnrolled, true);
    refusedWith(() => f.people.mfa.confirm(person, code(f, secret)), "BWK_INVALID_ARGUMENT");
  });

  it("keeps the TOTP secret sealed at rest, bound to its user", async () => {
    const f = peopleFixture();
    const { secret } = await operator(f);
    const raw = JSON.stringify(f.db.prepare("SELECT * FROM user_totp").all(), (_, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString("latin1") : v));
    assert.ok(!raw.includes(secret), "the base32 secret must not be stored in clear");
    // A row copied onto another user does not open under that user's context (CWE-639).
    await addUser(f, "mallory", []);
    f.db.exec("INSERT INTO user_totp (user, slot, wrapped_key, ciphertext) SELECT 'mallory', slot, wrapped_key, ciphertext FROM user_totp WHERE user = 'olga'");
    assert.throws(() => f.people.mfa.check("mallory", code(f, secret)), (e: { code?: string }) => e.code === "BWK_DECRYPT_FAILED");
  });

  it("accepts a code once: a replayed code is refused and raised as an auth.mfa.failure", async () => {
    const f = peopleFixture();
    const { person, secret } = await operator(f);
    f.clock.advance(30_000);
    const current = code(f, secret);
    f.people.mfa.verify(person, current, FACTS);
    refusedWith(() => f.people.mfa.verify(person, current, FACTS), "BWK_MFA_REQUIRED");
    // The previous step is inside the window but older than the one used: refused as well.
    refusedWith(() => f.people.mfa.verify(person, code(f, secret, -30_000), FACTS), "BWK_MFA_REQUIRED");
    const reasons = f.events.query({ type: "auth.mfa.failure" }).map((e) => e.reason);
    assert.deepEqual(reasons, ["replayed TOTP code", "replayed TOTP code"]);
  });

  it("refuses codes outside one step either side of now (RFC 6238 §5.2)", async () => {
    const f = peopleFixture();
    const { person, secret } = await operator(f);
    f.clock.advance(10 * 60_000);
    for (const offset of [-90_000, -60_000, 60_000, 90_000]) {
      const c = code(f, secret, offset);
      if ([-30_000, 0, 30_000].some((near) => code(f, secret, near) === c)) continue; // a 1-in-10^6 collision
      refusedWith(() => f.people.mfa.verify(person, c, FACTS), "BWK_MFA_REQUIRED");
    }
    assert.ok(f.events.query({ type: "auth.mfa.failure" }).every((e) => e.reason === "wrong or out-of-window TOTP code"));
    // One step of drift is tolerated (after the backoff the four failures earned).
    f.clock.advance(1000);
    assert.equal(f.people.mfa.verify(person, code(f, secret, 30_000), FACTS).via, "totp");
  });

  it("spends a recovery code once, in any spelling", async () => {
    const f = peopleFixture();
    const { person, recoveryCodes } = await operator(f);
    const first = recoveryCodes[0]!;
    const result = f.people.mfa.verify(person, ` ${first.toUpperCase().replaceAll("-", " ")} `, FACTS);
    assert.equal(result.via, "recovery-code");
    assert.equal(result.recoveryCodesLeft, 9);
    refusedWith(() => f.people.mfa.verify(person, first, FACTS), "BWK_MFA_REQUIRED");
    assert.equal(f.events.query({ type: "auth.mfa.failure" })[0]?.reason, "unknown or already used recovery code");
  });

  it("throttles second-factor guesses like passwords (RFC 4226 §7.3)", async () => {
    const f = peopleFixture({ backoff: { lockoutThreshold: 5 } });
    const { person, secret } = await operator(f);
    f.clock.advance(60_000);
    const wrong = ["000001", "000002", "000003", "000004", "000005"].filter((c) => c !== code(f, secret));
    for (const c of wrong.slice(0, 3)) refusedWith(() => f.people.mfa.verify(person, c, FACTS), "BWK_MFA_REQUIRED");
    refusedWith(() => f.people.mfa.verify(person, wrong[3]!, FACTS), "BWK_MFA_REQUIRED");
    refusedWith(() => f.people.mfa.verify(person, code(f, secret), FACTS), "BWK_LIMIT_EXCEEDED");
  });

  it("replacing an enrolled authenticator needs a fresh MFA check", async () => {
    const f = peopleFixture();
    const { password, secret } = await operator(f);
    f.clock.advance(6 * 60_000);
    const { principal } = await signIn(f, "olga", password, code(f, secret));
    f.clock.advance(5 * 60_000 + 1);
    const stale = principal as Person;
    refusedWith(() => f.people.mfa.enroll({ ...stale, mfaAt: f.clock.now() - 5 * 60_000 - 1 }), "BWK_STEP_UP_REQUIRED");
    assert.match(f.people.mfa.enroll({ ...stale, mfaAt: f.clock.now() }).uri, /^otpauth:/);
  });
});

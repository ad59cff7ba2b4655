import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addUser, code, enrol, FACTS, peopleFixture, signIn, type Fixture } from "./fixture.ts";
import type { Principal } from "../../../src/control/auth/principal.ts";

type Person = Extract<Principal, { kind: "user" }>;

async function operator(f: Fixture): Promise<{ person: Person; secret: string; recoveryCodes: string[]; password: string }> {
  const password = await addUser(f, "olga", ["operator"]);
  const { principal } = await signIn(f, "olga", password);
  const { secret, recoveryCodes } = await enrol(f, principal, password);
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
    const { secret, uri } = await f.people.mfa.enroll(person, password, FACTS);
    assert.match(uri, /^otpauth:\/\/totp\/Bulwark:olga\?secret=[A-Z2-7]{32}&issuer=Bulwark&algorithm=SHA1&digits=6&period=30$/);
    refusedWith(() => f.people.mfa.confirm(person, "12345", FACTS), "BWK_MFA_REQUIRED");
    assert.equal(f.people.accounts.list()[0]!.mfaEnrolled, false);
    const { recoveryCodes } = f.people.mfa.confirm(person, code(f, secret), FACTS);
    assert.equal(recoveryCodes.length, 10);
    assert.equal(f.people.accounts.list()[0]!.mfaEnrolled, true);
    refusedWith(() => f.people.mfa.confirm(person, code(f, secret), FACTS), "BWK_INVALID_ARGUMENT");
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

  it("a stolen session cannot enrol the thief's authenticator: the password is asked again, a wrong one is an auth.failure counted toward the sign-in lockout", async () => {
    const f = peopleFixture({ backoff: { lockoutThreshold: 3 } });
    const password = await addUser(f, "olga", ["operator"]);
    const person = (await signIn(f, "olga", password)).principal as Person;
    await assert.rejects(f.people.mfa.enroll(person, undefined, FACTS), { code: "BWK_INVALID_ARGUMENT" });
    for (let i = 0; i < 2; i++) await assert.rejects(f.people.mfa.enroll(person, "guessed-by-the-thief", FACTS), { code: "BWK_FORBIDDEN" });
    assert.equal(f.db.prepare("SELECT count(*) AS n FROM user_totp").get()!["n"], 0, "no secret pending");
    assert.deepEqual(f.events.query({ type: "auth.failure" }).map((e) => [e.principal, e.reason]), [
      ["olga", "MFA enrolment refused: wrong current password"],
      ["olga", "MFA enrolment refused: wrong current password"],
    ]);
    // The third wrong guess, at sign-in, locks the account out: both routes share one count.
    await assert.rejects(f.people.login.login({ user: "olga", password: "guessed-again" }, FACTS), { code: "BWK_UNAUTHORIZED" });
    assert.equal(f.events.query({ type: "auth.lockout" }).length, 2);
    await assert.rejects(f.people.mfa.enroll(person, password, FACTS), { code: "BWK_LIMIT_EXCEEDED" });
  });

  it("throttles and records wrong codes while confirming an enrolment, like failed step-up codes", async () => {
    const f = peopleFixture({ backoff: { lockoutThreshold: 5 } });
    const password = await addUser(f, "olga", ["operator"]);
    const person = (await signIn(f, "olga", password)).principal as Person;
    const { secret } = await f.people.mfa.enroll(person, password, FACTS);
    const wrong = ["000001", "000002", "000003", "000004", "000005"].filter((c) => c !== code(f, secret));
    for (const c of wrong.slice(0, 4)) refusedWith(() => f.people.mfa.confirm(person, c, FACTS), "BWK_MFA_REQUIRED");
    refusedWith(() => f.people.mfa.confirm(person, code(f, secret), FACTS), "BWK_LIMIT_EXCEEDED");
    const failures = f.events.query({ type: "auth.mfa.failure" });
    assert.equal(failures.length, 4);
    assert.ok(failures.every((e) => e.principal === "olga" && e.reason === "wrong code for the authenticator being enrolled"));
    assert.equal(f.people.accounts.list()[0]!.mfaEnrolled, false);
  });

  it("replacing an enrolled authenticator needs a fresh MFA check", async () => {
    const f = peopleFixture();
    const { password, secret } = await operator(f);
    f.clock.advance(6 * 60_000);
    const { principal } = await signIn(f, "olga", password, code(f, secret));
    f.clock.advance(5 * 60_000 + 1);
    const stale = principal as Person;
    await assert.rejects(f.people.mfa.enroll({ ...stale, mfaAt: f.clock.now() - 5 * 60_000 - 1 }, password, FACTS), { code: "BWK_STEP_UP_REQUIRED" });
    assert.match((await f.people.mfa.enroll({ ...stale, mfaAt: f.clock.now() }, password, FACTS)).uri, /^otpauth:/);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addUser, enrol, FACTS, peopleFixture, principalOf, signIn, code } from "./fixture.ts";

async function refused(promise: Promise<unknown>, code: string) {
  await assert.rejects(promise, (e: { code?: string }) => e.code === code);
}

describe("LoginService.login", () => {
  it("signs in and stores only the session token's hash", async () => {
    const f = peopleFixture();
    const password = await addUser(f, "alice", ["operator"]);
    const session = await signIn(f, "alice", password);
    assert.match(session.token, /^bws_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(session.principal, { kind: "user", name: "alice", roles: ["operator"], sessionId: (session.principal as { sessionId: string }).sessionId, mfaAt: null, mfaEnrolled: false, passwordChangeRequired: false });
    const rows = f.db.prepare("SELECT * FROM sessions").all();
    assert.ok(!JSON.stringify(rows).includes(session.token.slice(4)), "the session table must not hold the token");
  });

  it("lets a one-time password open the account and nothing else until it is changed", async () => {
    const f = peopleFixture();
    const { password } = await f.people.accounts.add("alice", ["operator"], "test");
    const first = await signIn(f, "alice", password);
    assert.equal(first.passwordChangeRequired, true);
    assert.throws(() => f.people.guard("functions.list", first.principal), (e: { code?: string; extra?: Record<string, unknown> }) => {
      return e.code === "BWK_FORBIDDEN" && e.extra?.passwordChangeRequired === true;
    });
    f.people.guard("auth.whoami", first.principal);
    f.people.guard("mfa.enroll", first.principal);
    const other = await signIn(f, "alice", password);
    const person = first.principal as Parameters<typeof f.people.passwords.change>[0];
    await assert.rejects(f.people.passwords.change(person, { current: password, new: "short" }, FACTS), (e: { code?: string }) => e.code === "BWK_INVALID_ARGUMENT");
    await assert.rejects(f.people.passwords.change(person, { current: "not-the-password", new: "a-long-enough-passphrase" }, FACTS), (e: { code?: string }) => e.code === "BWK_FORBIDDEN");
    assert.equal((await f.people.passwords.change(person, { current: password, new: "a-long-enough-passphrase" }, FACTS)).otherSessionsEnded, 1);
    f.people.guard("functions.list", principalOf(f, first.token));
    assert.equal(principalOf(f, other.token), null, "a session opened with the old password ends with it");
    await refused(f.people.login.login({ user: "alice", password }, FACTS), "BWK_UNAUTHORIZED");
    // An admin's reset hands out a new one-time password and ends the user's sessions.
    const reset = await f.people.accounts.resetPassword("alice");
    assert.equal(principalOf(f, first.token), null);
    assert.equal((await signIn(f, "alice", reset.password)).passwordChangeRequired, true);
  });

  it("answers the same 401 for a wrong password, an unknown user and a disabled user", async () => {
    const f = peopleFixture();
    const password = await addUser(f, "alice", []);
    await addUser(f, "admin", ["admin"]);
    await refused(f.people.login.login({ user: "alice", password: "wrong-password-123" }, FACTS), "BWK_UNAUTHORIZED");
    await refused(f.people.login.login({ user: "mallory", password }, FACTS), "BWK_UNAUTHORIZED");
    f.people.accounts.disable("alice");
    await refused(f.people.login.login({ user: "alice", password }, FACTS), "BWK_UNAUTHORIZED");
    const failures = f.events.query({ type: "auth.failure" });
    assert.deepEqual(failures.map((e) => e.principal), ["alice", "mallory", "alice"]);
  });

  it("refuses malformed sign-in bodies before any work", async () => {
    const f = peopleFixture();
    for (const body of [null, {}, { user: "a" }, { user: 1, password: "x" }, { user: "a", password: "x".repeat(2000) }, { user: "a", password: "p", code: 7 }]) {
      await refused(f.people.login.login(body, FACTS), "BWK_INVALID_ARGUMENT");
    }
  });

  it("backs off after the free failures: the next try is refused with Retry-After until the wait is over", async () => {
    const f = peopleFixture();
    const password = await addUser(f, "alice", []);
    for (let i = 0; i < 4; i++) await refused(f.people.login.login({ user: "alice", password: "guess-number-" + i }, FACTS), "BWK_UNAUTHORIZED");
    // The 4th failure (past 3 free ones) costs 1 s: even the right password waits.
    await assert.rejects(f.people.login.login({ user: "alice", password }, FACTS), (e: { code?: string; headers?: Record<string, string> }) => {
      assert.equal(e.code, "BWK_LIMIT_EXCEEDED");
      assert.equal(e.headers?.["retry-after"], "1");
      return true;
    });
    f.clock.advance(1000);
    assert.equal((await signIn(f, "alice", password)).user, "alice");
  });

  it("locks a user out at the threshold: audited, logged as auth.lockout, refused even with the right password", async () => {
    const f = peopleFixture({ backoff: { lockoutThreshold: 4 } });
    const password = await addUser(f, "alice", []);
    for (let i = 0; i < 4; i++) await refused(f.people.login.login({ user: "alice", password: "guess-number-" + i }, FACTS), "BWK_UNAUTHORIZED");
    await refused(f.people.login.login({ user: "alice", password }, FACTS), "BWK_LIMIT_EXCEEDED");
    const lockouts = f.events.query({ type: "auth.lockout" });
    assert.deepEqual(lockouts.map((e) => [e.principal, e.clientIp, e.severity]), [["alice", FACTS.clientIp, "high"], ["alice", FACTS.clientIp, "high"]]);
    const audited = f.audit.query({ action: "auth.lockout" });
    assert.deepEqual(audited.map((r) => [r.target, r.outcome]), [["user:alice", "denied"], [`address:${FACTS.clientIp}`, "denied"]]);
    f.clock.advance(15 * 60_000 - 1000);
    await refused(f.people.login.login({ user: "alice", password }, { ...FACTS, clientIp: "192.0.2.99" }), "BWK_LIMIT_EXCEEDED");
    f.clock.advance(1000);
    assert.equal((await signIn(f, "alice", password)).user, "alice");
  });

  it("backs off per address: guesses spread over many names lock the address, not other addresses", async () => {
    const f = peopleFixture({ backoff: { lockoutThreshold: 5 } });
    const password = await addUser(f, "bob", []);
    for (let i = 0; i < 5; i++) {
      await refused(f.people.login.login({ user: `victim${i}`, password: "spray-password-1" }, FACTS), "BWK_UNAUTHORIZED");
      f.clock.advance(60_000);
    }
    await refused(f.people.login.login({ user: "bob", password }, FACTS), "BWK_LIMIT_EXCEEDED");
    const other = await f.people.login.login({ user: "bob", password }, { ...FACTS, clientIp: "198.51.100.7" });
    assert.equal(other.user, "bob");
  });

  it("attack: guesses from a new IPv6 address each time count against their one /64", async () => {
    const f = peopleFixture({ backoff: { lockoutThreshold: 5 } });
    const password = await addUser(f, "bob", []);
    for (let i = 0; i < 5; i++) {
      await refused(f.people.login.login({ user: `victim${i}`, password: "spray-password-1" }, { ...FACTS, clientIp: `2001:db8:0:1::${i + 1}` }), "BWK_UNAUTHORIZED");
      f.clock.advance(60_000);
    }
    await refused(f.people.login.login({ user: "bob", password }, { ...FACTS, clientIp: "2001:db8:0:1::ff" }), "BWK_LIMIT_EXCEEDED");
    assert.deepEqual(f.events.query({ type: "auth.lockout" }).map((e) => e.clientIp), ["2001:db8:0:1::5"]);
    assert.equal((await f.people.login.login({ user: "bob", password }, { ...FACTS, clientIp: "2001:db8:0:2::1" })).user, "bob");
  });

  it("counts unknown user names like real ones, so lockouts do not reveal which accounts exist", async () => {
    const f = peopleFixture({ backoff: { lockoutThreshold: 4 } });
    await addUser(f, "alice", []);
    for (const user of ["alice", "nobody"]) {
      for (let i = 0; i < 4; i++) {
        await refused(f.people.login.login({ user, password: "guess-number-" + i }, { ...FACTS, clientIp: `203.0.113.${user.length}${i}` }), "BWK_UNAUTHORIZED");
      }
      await refused(f.people.login.login({ user, password: "guess-number-x" }, { ...FACTS, clientIp: "203.0.113.200" }), "BWK_LIMIT_EXCEEDED");
    }
  });

  it("expires sessions after 12 hours and ends them at logout or disable", async () => {
    const f = peopleFixture();
    await addUser(f, "root-admin", ["admin"]);
    const password = await addUser(f, "alice", ["operator"]);
    const a = await signIn(f, "alice", password);
    f.clock.advance(12 * 3600_000 - 1);
    assert.equal(principalOf(f, a.token)?.kind, "user");
    f.clock.advance(1);
    assert.deepEqual(f.people.authenticator("x".repeat(43))(`Bearer ${a.token}`), { principal: null, failure: "expired session" });

    const b = await signIn(f, "alice", password);
    f.people.logout(b.principal);
    // The stolen copy of a signed-out token is worth nothing.
    assert.deepEqual(f.people.authenticator("x".repeat(43))(`Bearer ${b.token}`), { principal: null, failure: "revoked session" });

    const c = await signIn(f, "alice", password);
    f.people.accounts.disable("alice");
    assert.equal(principalOf(f, c.token), null);
  });

  it("asks an enrolled user for a second factor and marks the session with it", async () => {
    const f = peopleFixture();
    const password = await addUser(f, "alice", ["operator"]);
    const first = await signIn(f, "alice", password);
    const { secret } = await enrol(f, first.principal, password);
    f.clock.advance(30_000);
    await refused(f.people.login.login({ user: "alice", password }, FACTS), "BWK_MFA_REQUIRED");
    await refused(f.people.login.login({ user: "alice", password, code: "000000" === code(f, secret) ? "111111" : "000000" }, FACTS), "BWK_MFA_REQUIRED");
    const session = await signIn(f, "alice", password, code(f, secret));
    assert.equal(session.mfaVerified, true);
    assert.equal(session.principal?.kind === "user" && session.principal.mfaAt, f.clock.now());
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { grants, guard, stageOf } from "../../../src/control/auth/guard.ts";
import type { Principal } from "../../../src/control/auth/principal.ts";
import { ACTIONS, STEP_UP_WINDOW_MS } from "../../../src/core/people/roles.ts";
import { addUser, code, enrol, FACTS, LOCAL_TOKEN, peopleFixture, principalOf, signIn } from "./fixture.ts";

function refused(fn: () => unknown, code: string) {
  assert.throws(fn, (e: { code?: string }) => e.code === code);
}

describe("guard: step-up", () => {
  it("allows a step-up action for 5 minutes after the MFA check, then asks again", async () => {
    const f = peopleFixture();
    const password = await addUser(f, "olga", ["operator"]);
    const signedIn = await signIn(f, "olga", password);
    const { secret } = await enrol(f, signedIn.principal, password);
    const now = () => principalOf(f, signedIn.token);
    f.people.guard("deploy.prod", now());
    f.clock.advance(STEP_UP_WINDOW_MS);
    f.people.guard("deploy.prod", now());
    f.clock.advance(1);
    refused(() => f.people.guard("deploy.prod", now()), "BWK_STEP_UP_REQUIRED");
    // Actions without step-up are not affected.
    f.people.guard("functions.list", now());
    f.people.mfa.verify(now() as Extract<Principal, { kind: "user" }>, code(f, secret, 30_000), FACTS);
    f.people.guard("deploy.prod", now());
  });

  it("asks a person without an authenticator to enrol, and says so in the problem", async () => {
    const f = peopleFixture();
    const password = await addUser(f, "olga", ["operator"]);
    const { principal } = await signIn(f, "olga", password);
    assert.throws(() => f.people.guard("secrets.read", principal), (e: { code?: string; extra?: { mfaEnrolled?: boolean }; headers?: Record<string, string> }) => {
      assert.equal(e.code, "BWK_STEP_UP_REQUIRED");
      assert.equal(e.extra?.mfaEnrolled, false);
      assert.match(e.headers?.["www-authenticate"] ?? "", /insufficient_user_authentication/);
      return true;
    });
  });

  it("answers 403, not a step-up prompt, when the roles do not grant the action at all", async () => {
    const f = peopleFixture();
    const password = await addUser(f, "dev", ["developer"]);
    const signedIn = await signIn(f, "dev", password);
    await enrol(f, signedIn.principal, password);
    refused(() => f.people.guard("deploy.prod", principalOf(f, signedIn.token)), "BWK_FORBIDDEN");
  });

  it("reads roles on every call, so a change applies to sessions already open", async () => {
    const f = peopleFixture();
    await addUser(f, "boss", ["admin"]);
    const password = await addUser(f, "ann", ["auditor"]);
    const { token } = await signIn(f, "ann", password);
    f.people.guard("audit.read", principalOf(f, token));
    f.people.accounts.setRoles("ann", []);
    refused(() => f.people.guard("audit.read", principalOf(f, token)), "BWK_FORBIDDEN");
  });
});

describe("guard: credentials", () => {
  it("refuses anonymous callers everything but sign-in and the health check", () => {
    const f = peopleFixture();
    f.people.guard("auth.login", null);
    f.people.guard(null, null);
    refused(() => f.people.guard("auth.whoami", null), "BWK_UNAUTHORIZED");
    refused(() => f.people.guard("functions.list", null), "BWK_UNAUTHORIZED");
  });

  it("lets the local operator token do every action and refuses a near miss", () => {
    const f = peopleFixture();
    const authenticate = f.people.authenticator(LOCAL_TOKEN);
    const local = authenticate(`Bearer ${LOCAL_TOKEN}`).principal;
    for (const action of ACTIONS) f.people.guard(action, local);
    assert.deepEqual(authenticate(`Bearer ${LOCAL_TOKEN.slice(0, -1)}x`), { principal: null, failure: "unknown token" });
    assert.deepEqual(authenticate(`Basic ${LOCAL_TOKEN}`), { principal: null, failure: "malformed Authorization header" });
    assert.deepEqual(authenticate(`Bearer bws_${"A".repeat(43)}`), { principal: null, failure: "unknown session" });
  });

  it("keeps account routes for people: a CI token cannot enrol or verify MFA", () => {
    const f = peopleFixture();
    const ci: Principal = { kind: "ci", id: "ci_1", name: "pipeline", role: "operator", stage: "prod" };
    refused(() => f.people.guard("mfa.verify", ci), "BWK_FORBIDDEN");
    refused(() => f.people.guard("mfa.enroll", ci), "BWK_FORBIDDEN");
    f.people.guard("auth.whoami", ci);
  });
});

describe("guard: CI tokens", () => {
  function token(f: ReturnType<typeof peopleFixture>, role: string, stage: string, expiresInSeconds = 3600) {
    const created = f.people.ciTokens.create({ role, stage, expiresInSeconds }, "user:boss");
    return { ...created, principal: () => f.people.authenticator(LOCAL_TOKEN)(`Bearer ${created.token}`) };
  }

  it("acts only on its own stage", () => {
    const f = peopleFixture();
    const dev = token(f, "operator", "dev").principal().principal;
    f.people.guard("deploy.dev", dev);
    refused(() => f.people.guard("deploy.prod", dev), "BWK_FORBIDDEN");
    refused(() => f.people.guard("rollback.prod", dev), "BWK_FORBIDDEN");
    refused(() => f.people.guard("functions.list", dev), "BWK_FORBIDDEN");
    const prod = token(f, "operator", "prod").principal().principal;
    // No person is there to show a second factor: the token's scope stands in for it.
    f.people.guard("deploy.prod", prod);
    refused(() => f.people.guard("deploy.dev", prod), "BWK_FORBIDDEN");
  });

  it("never does more than its role", () => {
    const f = peopleFixture();
    const developer = token(f, "developer", "prod").principal().principal;
    refused(() => f.people.guard("deploy.prod", developer), "BWK_FORBIDDEN");
    refused(() => f.people.guard("users.manage", developer), "BWK_FORBIDDEN");
    const auditor = token(f, "auditor", "prod").principal().principal;
    f.people.guard("audit.read", auditor);
    refused(() => f.people.guard("deploy.prod", auditor), "BWK_FORBIDDEN");
  });

  it("stops working when it expires or is revoked", () => {
    const f = peopleFixture();
    const short = token(f, "operator", "prod", 60);
    f.clock.advance(60_000);
    assert.deepEqual(short.principal(), { principal: null, failure: "expired CI token" });
    const revoked = token(f, "operator", "prod");
    f.people.ciTokens.revoke(revoked.id, "user:admin");
    assert.deepEqual(revoked.principal(), { principal: null, failure: "revoked CI token" });
    assert.throws(() => f.people.ciTokens.revoke(revoked.id, "user:admin"), (e: { code?: string }) => e.code === "BWK_NOT_FOUND");
  });

  it("refuses admin tokens, unknown stages and lifetimes out of range", () => {
    const f = peopleFixture();
    for (const body of [
      { role: "admin", stage: "prod", expiresInSeconds: 3600 },
      { role: "operator", stage: "staging", expiresInSeconds: 3600 },
      { role: "operator", stage: "prod", expiresInSeconds: 59 },
      { role: "operator", stage: "prod", expiresInSeconds: 367 * 86_400 },
      { role: "operator", stage: "prod", expiresInSeconds: 3600, name: "../x" },
    ]) {
      refused(() => f.people.ciTokens.create(body, "user:boss"), "BWK_INVALID_ARGUMENT");
    }
  });
});

describe("guard: the request's stage and ownership", () => {
  it("takes the stage from the request: a dev CI token lists dev's functions and not prod's", () => {
    const f = peopleFixture();
    const created = f.people.ciTokens.create({ role: "operator", stage: "dev", expiresInSeconds: 3600 }, "user:boss");
    const dev = f.people.authenticator(LOCAL_TOKEN)(`Bearer ${created.token}`).principal;
    f.people.guard("functions.list", dev, undefined, { stage: "dev" });
    f.people.guard("secrets.write", dev, undefined, { stage: "dev" });
    refused(() => f.people.guard("functions.list", dev, undefined, { stage: "prod" }), "BWK_FORBIDDEN");
    refused(() => f.people.guard("secrets.write", dev, undefined, { stage: "prod" }), "BWK_FORBIDDEN");
  });

  it("grants a developer dev's functions and the logs of what they own, without MFA", async () => {
    const f = peopleFixture();
    const { principal } = await signIn(f, "dana", await addUser(f, "dana", ["developer"]));
    f.people.guard("functions.invoke", principal, undefined, { stage: "dev" });
    f.people.guard("deploy.dev", principal, undefined, { stage: "dev" });
    refused(() => f.people.guard("functions.invoke", principal, undefined, { stage: "prod" }), "BWK_FORBIDDEN");
    f.people.guard("logs.read.own", principal, undefined, { stage: "dev", ownsTarget: true });
    refused(() => f.people.guard("logs.read.own", principal, undefined, { stage: "dev", ownsTarget: false }), "BWK_FORBIDDEN");
  });

  it("grants() tells who holds an action apart from who still owes a second factor", async () => {
    const f = peopleFixture();
    const { principal: operator } = await signIn(f, "olga", await addUser(f, "olga", ["operator"]));
    const { principal: developer } = await signIn(f, "dana", await addUser(f, "dana", ["developer"]));
    assert.equal(grants("logs.read", operator, { stage: "dev" }), true);
    assert.equal(grants("deploy.prod", operator), true, "held, though a step-up is still due");
    assert.equal(grants("logs.read", developer, { stage: "dev" }), false);
    assert.equal(grants("logs.read", null), false);
  });
});

describe("stageOf", () => {
  it("names the stage a request naming none is about: prod for function actions, none for the rest", () => {
    assert.equal(stageOf("deploy.dev"), "dev");
    assert.equal(stageOf("rollback.dev"), "dev");
    assert.equal(stageOf("deploy.prod"), "prod");
    assert.equal(stageOf("functions.invoke"), "prod");
    assert.equal(stageOf("logs.read"), "prod");
    assert.equal(stageOf("audit.read"), undefined);
    assert.equal(stageOf("users.manage"), undefined);
  });

  it("the pure guard refuses a forged principal with unknown roles", () => {
    refused(() => guard("deploy.prod", { kind: "user", name: "x", roles: ["root"], sessionId: "s", mfaAt: 0, mfaEnrolled: true, passwordChangeRequired: false }, 0), "BWK_FORBIDDEN");
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { addUser, peopleFixture, principalOf, signIn } from "./fixture.ts";

async function refused(promise: Promise<unknown> | (() => unknown), code: string) {
  if (typeof promise === "function") assert.throws(promise, (e: { code?: string }) => e.code === code);
  else await assert.rejects(promise, (e: { code?: string }) => e.code === code);
}

describe("AccountService", () => {
  it("refuses names that could confuse an audit record, a path or an otpauth label", async () => {
    const f = peopleFixture();
    for (const name of ["Alice", "local-operator", "root", "a/b", "a:b", "../x", "", "x".repeat(33), "1abc", 7, null]) {
      await refused(f.people.accounts.add(name, [], "test"), "BWK_INVALID_ARGUMENT");
    }
    await addUser(f, "alice", []);
    await refused(f.people.accounts.add("alice", [], "test"), "BWK_INVALID_ARGUMENT");
  });

  it("accepts only the four roles, deduplicated", async () => {
    const f = peopleFixture();
    await refused(f.people.accounts.add("bob", ["superuser"], "test"), "BWK_INVALID_ARGUMENT");
    await refused(f.people.accounts.add("bob", "admin", "test"), "BWK_INVALID_ARGUMENT");
    const { user } = await f.people.accounts.add("bob", ["operator", "developer", "operator"], "test");
    assert.deepEqual(user.roles, ["developer", "operator"]);
  });

  it("never removes the last enabled admin", async () => {
    const f = peopleFixture();
    await addUser(f, "boss", ["admin"]);
    refused(() => f.people.accounts.disable("boss"), "BWK_INVALID_ARGUMENT");
    refused(() => f.people.accounts.setRoles("boss", ["operator"]), "BWK_INVALID_ARGUMENT");
    await addUser(f, "second", ["admin"]);
    f.people.accounts.disable("boss");
    refused(() => f.people.accounts.setRoles("second", []), "BWK_INVALID_ARGUMENT");
  });

  it("ends every session of a disabled user and lets them back in once enabled", async () => {
    const f = peopleFixture();
    await addUser(f, "boss", ["admin"]);
    const password = await addUser(f, "alice", ["operator"]);
    const one = await signIn(f, "alice", password);
    const two = await signIn(f, "alice", password);
    assert.equal(f.people.accounts.disable("alice").sessionsRevoked, 2);
    assert.equal(principalOf(f, one.token), null);
    assert.equal(principalOf(f, two.token), null);
    f.people.accounts.enable("alice");
    assert.equal(principalOf(f, one.token), null, "a session revoked at disable stays revoked");
    assert.equal((await signIn(f, "alice", password)).user, "alice");
  });

  it("creates the first admin once, audited", async () => {
    const f = peopleFixture();
    const first = await f.people.createFirstAdmin();
    assert.equal(first?.user, "admin");
    assert.equal(await f.people.createFirstAdmin(), null);
    assert.deepEqual(f.people.accounts.list().map((u) => [u.name, u.roles]), [["admin", ["admin"]]]);
    assert.equal((await signIn(f, "admin", first!.password)).user, "admin");
    assert.deepEqual(f.audit.query({ target: "user:admin" }).map((r) => [r.actor.type, r.action, r.outcome]), [["platform", "users.manage", "success"]]);
  });
});

import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  ACTIONS,
  ROLES,
  STEP_UP_ACTIONS,
  STEP_UP_WINDOW_MS,
  authorize,
  isAction,
  isRole,
  type Action,
  type AuthorizeContext,
  type Role,
} from "../../../src/core/people/roles.ts";

/**
 * The expected matrix, written out independently of the source: every role × action cell.
 * Y = allowed; dev = allowed only for a function in the dev stage; own = allowed only for a
 * function the person deployed; - = forbidden.
 */
type Cell = "Y" | "dev" | "own" | "-";
const EXPECTED: Record<Action, Record<Role, Cell>> = {
  "functions.list":       { developer: "dev", operator: "Y", auditor: "-", admin: "-" },
  "functions.invoke":     { developer: "dev", operator: "Y", auditor: "-", admin: "-" },
  "deploy.dev":           { developer: "Y",   operator: "Y", auditor: "-", admin: "-" },
  "deploy.prod":          { developer: "-",   operator: "Y", auditor: "-", admin: "-" },
  "rollback.dev":         { developer: "Y",   operator: "Y", auditor: "-", admin: "-" },
  "rollback.prod":        { developer: "-",   operator: "Y", auditor: "-", admin: "-" },
  "logs.read.own":        { developer: "own", operator: "Y", auditor: "Y", admin: "-" },
  "logs.read":            { developer: "-",   operator: "Y", auditor: "Y", admin: "-" },
  "metrics.read":         { developer: "-",   operator: "Y", auditor: "Y", admin: "-" },
  "audit.read":           { developer: "-",   operator: "-", auditor: "Y", admin: "-" },
  "events.read":          { developer: "-",   operator: "-", auditor: "Y", admin: "-" },
  "alerts.read":          { developer: "-",   operator: "Y", auditor: "Y", admin: "-" },
  "triggers.configure":   { developer: "-",   operator: "Y", auditor: "-", admin: "-" },
  "limits.configure":     { developer: "-",   operator: "Y", auditor: "-", admin: "-" },
  "quarantine.set":       { developer: "-",   operator: "Y", auditor: "-", admin: "-" },
  "quarantine.release":   { developer: "-",   operator: "Y", auditor: "-", admin: "-" },
  "secrets.list":         { developer: "Y",   operator: "Y", auditor: "-", admin: "-" },
  "secrets.read":         { developer: "-",   operator: "Y", auditor: "-", admin: "-" },
  "secrets.write":        { developer: "-",   operator: "Y", auditor: "-", admin: "-" },
  "secrets.rotate":       { developer: "-",   operator: "Y", auditor: "-", admin: "-" },
  "keys.manage":          { developer: "-",   operator: "-", auditor: "-", admin: "Y" },
  "users.manage":         { developer: "-",   operator: "-", auditor: "-", admin: "Y" },
  "roles.manage":         { developer: "-",   operator: "-", auditor: "-", admin: "Y" },
  "policy.manage":        { developer: "-",   operator: "-", auditor: "-", admin: "Y" },
  "masterkey.rotate":     { developer: "-",   operator: "-", auditor: "-", admin: "Y" },
  "intel.manage":         { developer: "-",   operator: "-", auditor: "-", admin: "Y" },
  "siem.manage":          { developer: "-",   operator: "-", auditor: "-", admin: "Y" },
};

const EXPECTED_STEP_UP: readonly Action[] = [
  "deploy.prod",
  "rollback.prod",
  "secrets.read",
  "secrets.write",
  "secrets.rotate",
  "policy.manage",
  "roles.manage",
  "masterkey.rotate",
  "quarantine.release",
];

const NOW = 1_700_000_000_000;
const FRESH = { now: NOW, mfaAt: NOW - 1000 };
const ALLOWED = { allowed: true };
const FORBIDDEN = { allowed: false, reason: "forbidden" };

/** The contexts each kind of cell is tried in, and whether each should pass. */
const PROBES: { context: AuthorizeContext; passes: Record<Cell, boolean> }[] = [
  { context: { ...FRESH, stage: "dev", ownsTarget: true }, passes: { Y: true, dev: true, own: true, "-": false } },
  { context: { ...FRESH, stage: "prod", ownsTarget: true }, passes: { Y: true, dev: false, own: true, "-": false } },
  { context: { ...FRESH, stage: "dev", ownsTarget: false }, passes: { Y: true, dev: true, own: false, "-": false } },
  { context: { ...FRESH }, passes: { Y: true, dev: false, own: false, "-": false } },
];

describe("authorize: the role × action matrix", () => {
  it("covers exactly the declared actions and roles", () => {
    assert.deepEqual(Object.keys(EXPECTED).sort(), [...ACTIONS].sort());
    assert.deepEqual([...ROLES].sort(), ["admin", "auditor", "developer", "operator"]);
  });

  for (const action of ACTIONS) {
    for (const role of ROLES) {
      const cell = EXPECTED[action][role];
      it(`${role} × ${action} = ${cell}`, () => {
        for (const { context, passes } of PROBES) {
          const expected = passes[cell] ? ALLOWED : FORBIDDEN;
          assert.deepEqual(authorize([role], action, context), expected, JSON.stringify(context));
        }
      });
    }
  }

  it("holds the step-up list named by the issue", () => {
    assert.deepEqual([...STEP_UP_ACTIONS].sort(), [...EXPECTED_STEP_UP].sort());
  });
});

describe("authorize: several roles", () => {
  it("grants the union of the roles held", () => {
    assert.deepEqual(authorize(["auditor", "developer"], "audit.read", FRESH), ALLOWED);
    assert.deepEqual(authorize(["auditor", "developer"], "deploy.dev", FRESH), ALLOWED);
    assert.deepEqual(authorize(["auditor", "developer"], "deploy.prod", FRESH), FORBIDDEN);
  });

  it("forbids everything to no roles", () => {
    for (const action of ACTIONS) assert.deepEqual(authorize([], action, { ...FRESH, stage: "dev", ownsTarget: true }), FORBIDDEN);
  });
});

describe("authorize: step-up MFA", () => {
  const action: Action = "deploy.prod";
  const stepUp = { allowed: false, reason: "step-up-required" };

  it("asks for step-up on every step-up action when the session never did MFA", () => {
    for (const stepUpAction of STEP_UP_ACTIONS) {
      const holder = ROLES.find((role) => EXPECTED[stepUpAction][role] === "Y");
      assert.ok(holder, stepUpAction);
      assert.deepEqual(authorize([holder], stepUpAction, { now: NOW }), stepUp, stepUpAction);
      assert.deepEqual(authorize([holder], stepUpAction, { now: NOW, mfaAt: null }), stepUp, stepUpAction);
    }
  });

  it("does not ask for step-up on other actions", () => {
    assert.deepEqual(authorize(["operator"], "deploy.dev", { now: NOW }), ALLOWED);
    assert.deepEqual(authorize(["admin"], "users.manage", { now: NOW }), ALLOWED);
  });

  it("accepts MFA exactly 5 minutes old and refuses it 1 ms later", () => {
    assert.deepEqual(authorize(["operator"], action, { now: NOW, mfaAt: NOW - STEP_UP_WINDOW_MS }), ALLOWED);
    assert.deepEqual(authorize(["operator"], action, { now: NOW, mfaAt: NOW - STEP_UP_WINDOW_MS - 1 }), stepUp);
    assert.equal(STEP_UP_WINDOW_MS, 300_000);
  });

  it("accepts MFA done at this very moment", () => {
    assert.deepEqual(authorize(["operator"], action, { now: NOW, mfaAt: NOW }), ALLOWED);
  });

  it("refuses an MFA time in the future or not a number", () => {
    for (const mfaAt of [NOW + 1, Number.NaN, Number.POSITIVE_INFINITY, "1700000000000" as unknown as number]) {
      assert.deepEqual(authorize(["operator"], action, { now: NOW, mfaAt }), stepUp, String(mfaAt));
    }
    assert.deepEqual(authorize(["operator"], action, { now: Number.NaN, mfaAt: NOW }), stepUp);
  });

  it("says forbidden, not step-up, to someone without the role (no MFA prompt that leaks the action exists)", () => {
    assert.deepEqual(authorize(["developer"], action, { now: NOW }), FORBIDDEN);
  });
});

describe("authorize: hostile input", () => {
  it("ignores roles that are not Bulwark roles, including prototype names", () => {
    for (const role of ["__proto__", "constructor", "toString", "hasOwnProperty", "Admin", "admin ", "root", "*", ""]) {
      for (const action of ACTIONS) {
        assert.deepEqual(authorize([role], action, { ...FRESH, stage: "dev", ownsTarget: true }), FORBIDDEN, `${role} ${action}`);
      }
    }
  });

  it("forbids actions that are not in the list, including prototype names and wildcards", () => {
    for (const action of ["constructor", "__proto__", "toString", "*", "deploy.*", "deploy", "DEPLOY.DEV", ""]) {
      assert.deepEqual(authorize([...ROLES], action as Action, { ...FRESH, stage: "dev", ownsTarget: true }), FORBIDDEN, action);
    }
  });

  it("does not accept truthy stand-ins for stage or ownership", () => {
    const loose = { ...FRESH, stage: "DEV", ownsTarget: "true" } as unknown as AuthorizeContext;
    assert.deepEqual(authorize(["developer"], "functions.invoke", loose), FORBIDDEN);
    assert.deepEqual(authorize(["developer"], "logs.read.own", loose), FORBIDDEN);
  });

  it("forbids when roles is not an array (e.g. a single role string from a token claim)", () => {
    assert.deepEqual(authorize("admin" as unknown as string[], "users.manage", FRESH), FORBIDDEN);
  });
});

describe("isRole / isAction", () => {
  it("recognise exactly the declared names", () => {
    for (const role of ROLES) assert.equal(isRole(role), true);
    for (const action of ACTIONS) assert.equal(isAction(action), true);
    for (const bad of ["constructor", "__proto__", "Admin", 1, null, undefined]) {
      assert.equal(isRole(bad), false);
      assert.equal(isAction(bad), false);
    }
  });
});

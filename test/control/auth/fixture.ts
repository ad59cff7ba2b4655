// A people service over in-memory SQLite with a clock the test moves: real stores, a real audit
// chain, a real event recorder and real envelope encryption under a throw-away master key.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { pino } from "pino";
import { openEnvelope, sealEnvelope } from "../../../src/broker/crypto/envelope.ts";
import { MasterKey } from "../../../src/broker/crypto/master-key.ts";
import { People, type PeopleOptions } from "../../../src/control/auth/people.ts";
import type { Principal } from "../../../src/control/auth/principal.ts";
import { masterKeyTotpSealer } from "../../../src/control/auth/totp-sealing.ts";
import { base32Decode, totpCode } from "../../../src/core/people/totp.ts";
import { AuditLog, loadOrCreateAuditKey } from "../../../src/security/audit/index.ts";
import { SecurityEventRecorder } from "../../../src/security/recorder.ts";

export const START = Date.parse("2026-01-05T09:00:00.000Z");
export const LOCAL_TOKEN = "local-operator-token-for-tests-0123456789";
export const FACTS = { clientIp: "192.0.2.10", requestId: "req-1" };

export function peopleFixture(options: PeopleOptions = {}) {
  const db = new DatabaseSync(":memory:");
  db.exec("PRAGMA foreign_keys = ON");
  let now = START;
  const clock = {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
  };
  const key = loadOrCreateAuditKey(mkdtempSync(join(tmpdir(), "bulwark-people-keys-")));
  const audit = new AuditLog(new DatabaseSync(":memory:"), { signingKey: key.privateKey, clock: clock.now });
  const events = new SecurityEventRecorder(db);
  const master = MasterKey.generate();
  const sealer = masterKeyTotpSealer(() => ({
    seal: (plaintext, context) => sealEnvelope(master, plaintext, context),
    open: (sealed, context) => openEnvelope(master, sealed, context),
  }));
  const log = pino({ level: "silent" });
  const people = People.open(db, { audit, events, log }, { ...options, now: clock.now, sealer });
  return { db, people, clock, audit, events };
}

export type Fixture = ReturnType<typeof peopleFixture>;

/**
 * Adds a user, who signs in once with the one-time password the platform generated and chooses
 * their own; returns that one.
 */
export async function addUser(f: Fixture, name: string, roles: string[]): Promise<string> {
  const oneTime = (await f.people.accounts.add(name, roles, "test")).password;
  const first = await signIn(f, name, oneTime);
  const chosen = `${name}-chose-this-password`;
  await f.people.passwords.change(first.principal as Extract<Principal, { kind: "user" }>, { current: oneTime, new: chosen }, FACTS);
  f.people.logout(first.principal);
  return chosen;
}

/** Signs in and resolves the session token the way the API does for each request. */
export async function signIn(f: Fixture, name: string, password: string, code?: string) {
  const result = await f.people.login.login({ user: name, password, ...(code === undefined ? {} : { code }) }, FACTS);
  return { ...result, principal: principalOf(f, result.token) };
}

export function principalOf(f: Fixture, token: string): Principal | null {
  return f.people.authenticator(LOCAL_TOKEN)(`Bearer ${token}`).principal;
}

/** Enrols TOTP for a signed-in person (who gives their password again); returns the secret and the recovery codes. */
export async function enrol(f: Fixture, person: Principal | null, password: string) {
  if (person?.kind !== "user") throw new Error("not a person");
  const { secret } = await f.people.mfa.enroll(person, password, FACTS);
  const { recoveryCodes } = f.people.mfa.confirm(person, totpCode(base32Decode(secret), f.clock.now()), FACTS);
  return { secret, recoveryCodes };
}

export function code(f: Fixture, secret: string, offsetMs = 0): string {
  return totpCode(base32Decode(secret), f.clock.now() + offsetMs);
}
